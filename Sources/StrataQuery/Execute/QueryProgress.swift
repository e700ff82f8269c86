import Synchronization

/// How far the running statement's table scans are: blocks read of the blocks to read (after
/// pruning; a scan adds its blocks when it starts, so the total can grow for joins) and rows
/// read. Scan workers update it once per block; a progress display reads it from another
/// thread. Reset when a statement starts.
public final class QueryProgress: Sendable {
    private let total = Atomic<Int>(0), done = Atomic<Int>(0), rows = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0), bytesTotal = Atomic<Int>(0), loadedRows = Atomic<Int>(0)

    public init() {}

    public func reset() {
        total.store(0, ordering: .relaxed)
        done.store(0, ordering: .relaxed)
        rows.store(0, ordering: .relaxed)
        bytes.store(0, ordering: .relaxed)
        bytesTotal.store(0, ordering: .relaxed)
        loadedRows.store(0, ordering: .relaxed)
    }

    /// A load (`COPY … FROM`): bytes of the input files read (of the total when known) and rows
    /// parsed so far.
    public func loaded(bytes read: Int64, total: Int64?, rows n: Int) {
        bytes.store(Int(read), ordering: .relaxed)
        bytesTotal.store(Int(total ?? 0), ordering: .relaxed)
        loadedRows.store(n, ordering: .relaxed)
    }

    /// Bytes of input read by a running load (0 when the statement is not a load).
    public var loadBytesRead: Int { bytes.load(ordering: .relaxed) }
    /// The load's input size, 0 when unknown.
    public var loadBytesTotal: Int { bytesTotal.load(ordering: .relaxed) }
    /// Rows the running load has parsed.
    public var loadRows: Int { loadedRows.load(ordering: .relaxed) }

    func add(blocks n: Int) { total.wrappingAdd(n, ordering: .relaxed) }

    func blockRead(rows n: Int) {
        done.wrappingAdd(1, ordering: .relaxed)
        rows.wrappingAdd(n, ordering: .relaxed)
    }

    /// Blocks the statement's scans will read (so far).
    public var blocksTotal: Int { total.load(ordering: .relaxed) }
    /// Blocks read.
    public var blocksRead: Int { done.load(ordering: .relaxed) }
    /// Rows in the blocks read.
    public var rowsRead: Int { rows.load(ordering: .relaxed) }
}

import Synchronization

/// The memory budget of one statement (`SET memory_limit`): the engine's large allocations
/// (hash tables, join pairs and results, group tables, sort buffers, materialized
/// intermediates) reserve their bytes here before they are made, once per buffer or batch,
/// never per value. A reservation that would take the total over the limit is refused; the
/// caller turns that into an "out of memory" error naming the operator. Thread-safe.
public final class MemoryTracker: Sendable {
    private let used = Atomic<Int>(0)
    private let high = Atomic<Int>(0)
    private let limitBytes: Atomic<Int>

    /// `limit`: bytes (`Int.max`: no limit).
    public init(limit: Int = .max) { limitBytes = Atomic(limit) }

    /// The limit in bytes (`Int.max`: none).
    public var limit: Int {
        get { limitBytes.load(ordering: .relaxed) }
        set { limitBytes.store(newValue, ordering: .relaxed) }
    }

    /// Bytes reserved and not released since the last `reset()`.
    public var reserved: Int { used.load(ordering: .relaxed) }

    /// The most bytes reserved at once since the last `reset()`.
    public var peak: Int { high.load(ordering: .relaxed) }

    /// Reserves `bytes`; false (nothing reserved) when that would exceed the limit.
    public func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        let lim = limitBytes.load(ordering: .relaxed)
        var cur = used.load(ordering: .relaxed)
        while true {
            let (next, over) = cur.addingReportingOverflow(bytes)
            if over || next > lim { return false }
            let (exchanged, original) = used.compareExchange(expected: cur, desired: next, ordering: .relaxed)
            if exchanged {
                var h = high.load(ordering: .relaxed)
                while next > h {
                    let (ok, seen) = high.compareExchange(expected: h, desired: next, ordering: .relaxed)
                    if ok { break }
                    h = seen
                }
                return true
            }
            cur = original
        }
    }

    /// Gives back `bytes` reserved earlier.
    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        _ = used.wrappingSubtract(bytes, ordering: .relaxed)
    }

    /// Starts a new statement: nothing reserved.
    public func reset() {
        used.store(0, ordering: .relaxed)
        high.store(0, ordering: .relaxed)
    }

    /// `bytes` as people write them: "512 B", "1.5 KB", "4.0 GB" (decimal units, as DuckDB's
    /// `GB`; one decimal).
    public static func format(_ bytes: Int) -> String {
        if bytes == .max { return "no limit" }
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var v = Double(bytes)
        var u = 0
        while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
        if u == 0 { return "\(bytes) B" }
        let tenths = (v * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10) \(units[u])"
    }

    /// Parses a size: a number with a unit (`B`, `KB`/`MB`/`GB`/`TB` decimal, `KiB`/`MiB`/
    /// `GiB`/`TiB` binary, case-insensitive, spaces allowed), or a percentage of `physical`
    /// (`80%`). Nil when it is not one.
    public static func parseSize(_ text: String, physical: Int) -> Int? {
        let s = text.trimmingWhitespace().lowercased()
        var digits = ""
        var rest = Substring(s)
        while let c = rest.first, c.isNumber || c == "." { digits.append(c); rest = rest.dropFirst() }
        guard let value = Double(digits), value >= 0, value.isFinite else { return nil }
        let unit = String(rest).trimmingWhitespace()
        let factor: Double
        switch unit {
        case "%": return value <= 100 ? Int(Double(physical) * value / 100) : nil
        case "", "b", "byte", "bytes": factor = 1
        case "k", "kb": factor = 1e3
        case "m", "mb": factor = 1e6
        case "g", "gb": factor = 1e9
        case "t", "tb": factor = 1e12
        case "kib": factor = 1024
        case "mib": factor = 1024 * 1024
        case "gib": factor = 1024 * 1024 * 1024
        case "tib": factor = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = value * factor
        guard bytes < 9e18 else { return nil }
        return Int(bytes)
    }
}

fileprivate extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

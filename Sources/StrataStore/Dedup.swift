import StrataCore
import StrataFormat

/// Deduplication settings of a table: `WITH (dedup_key = (a, b), version = v)`, stored in
/// `TableDefinition.options` as `dedup_key = "a,b"` and `version = "v"`.
///
/// Semantics: for each distinct key (NULL equals NULL, strings compared by bytes), only the
/// row with the greatest version survives (NULL versions are the smallest; doubles compare
/// numerically, strings byte-wise). Ties — equal versions, or no version column — go to the
/// row written last, i.e. the one at the higher position in the columns given (compaction
/// concatenates its inputs oldest segment first, and a segment keeps the ingest order of
/// rows with equal sort keys).
public struct DedupSpec: Sendable, Equatable {
    /// Option naming the key columns (comma-separated, parentheses optional).
    public static let keyOption = "dedup_key"
    /// Option naming the version column.
    public static let versionOption = "version"

    /// Column indexes of the key, in the table definition.
    public var keyColumns: [Int]
    /// Column index of the version; nil means "last written wins".
    public var versionColumn: Int?

    public init(keyColumns: [Int], versionColumn: Int?) {
        self.keyColumns = keyColumns
        self.versionColumn = versionColumn
    }

    /// The table's dedup settings; nil when `dedup_key` is not set. Throws a user error when
    /// it names unknown columns.
    public init?(definition def: TableDefinition) throws(StoreError) {
        guard let raw = def.options[DedupSpec.keyOption] else { return nil }
        let names = DedupSpec.splitNames(raw)
        guard !names.isEmpty else { throw .user("dedup_key of table '\(def.name)' names no columns") }
        var keys: [Int] = []
        for n in names {
            guard let i = def.columnIndex(n) else { throw .user("dedup_key column '\(n)' is not a column of '\(def.name)'") }
            keys.append(i)
        }
        var version: Int?
        if let v = def.options[DedupSpec.versionOption].map({ DedupSpec.splitNames($0) }), let name = v.first {
            guard v.count == 1 else { throw .user("version of table '\(def.name)' must name one column") }
            guard let i = def.columnIndex(name) else { throw .user("version column '\(name)' is not a column of '\(def.name)'") }
            version = i
        }
        self.init(keyColumns: keys, versionColumn: version)
    }

    /// `"(a, b)"`, `"a,b"`, `"'a'"` → `["a", "b"]`.
    static func splitNames(_ raw: String) -> [String] {
        var names: [String] = []
        var cur: [UInt8] = []
        func flush() {
            if !cur.isEmpty { names.append(String(decoding: cur, as: UTF8.self)) }
            cur.removeAll()
        }
        for b in raw.utf8 {
            switch b {
            case 44: flush()                                  // ,
            case 32, 9, 10, 13, 40, 41, 39, 34, 96: continue  // blanks ( ) ' " `
            default: cur.append(b)
            }
        }
        flush()
        return names
    }

    /// Indexes (ascending) of the rows of `columns` (one per table column, equal lengths)
    /// that survive deduplication.
    public func survivingRows(_ columns: [Column]) -> [Int32] {
        DedupSpec.survivingRows(keys: keyColumns.map { columns[$0] }, version: versionColumn.map { columns[$0] })
    }

    /// Rows (ascending) surviving deduplication by the key columns `keyColumns` and the
    /// version column `version` (all of equal length).
    static func survivingRows(keys keyColumns: [Column], version versionCol: Column?) -> [Int32] {
        let n = keyColumns.first?.count ?? 0
        guard n > 1 else { return Array(0..<Int32(n)) }
        let keys = keyColumns.map { $0.orderWords() }
        let keyValid = keyColumns.map { $0.validity }
        var order = Array(0..<Int32(n))
        if keys.count == 1 && keyValid[0] == nil {
            let k = keys[0]
            var pairs = order.map { (k[Int($0)], $0) }
            pairs.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            for i in 0..<n { order[i] = pairs[i].1 }
        } else {
            order.sort { x, y in
                for c in 0..<keys.count {
                    let vx = keyValid[c].map { $0[Int(x)] != 0 } ?? true
                    let vy = keyValid[c].map { $0[Int(y)] != 0 } ?? true
                    if vx != vy { return !vx }
                    if !vx { continue }
                    let a = keys[c][Int(x)], b = keys[c][Int(y)]
                    if a != b { return a < b }
                }
                return x < y
            }
        }
        func sameKey(_ x: Int, _ y: Int) -> Bool {
            for c in 0..<keys.count {
                let vx = keyValid[c].map { $0[x] != 0 } ?? true
                let vy = keyValid[c].map { $0[y] != 0 } ?? true
                if vx != vy { return false }
                if vx && keys[c][x] != keys[c][y] { return false }
            }
            return true
        }
        let version = versionCol.map { $0.orderWords() }
        let versionValid = versionCol?.validity
        var selected: [Int32] = []
        var i = 0
        while i < n {
            var best = Int(order[i])
            var j = i + 1
            while j < n, sameKey(Int(order[j]), best) {
                let r = Int(order[j])
                if let version {
                    // rows of a group are in position order: >= lets the later row win ties
                    let vr = versionValid.map { $0[r] != 0 } ?? true
                    let vb = versionValid.map { $0[best] != 0 } ?? true
                    if !vr && vb { j += 1; continue }
                    if vr && vb && version[r] < version[best] { j += 1; continue }
                }
                best = r
                j += 1
            }
            selected.append(Int32(best))
            i = j
        }
        selected.sort()
        return selected
    }
}

// Window frames and named windows (issue 16, "Windows"): the AST parts a window call needs
// beyond PARTITION BY / ORDER BY. Parsed in Parser+Window.swift, printed by `WindowSpec.sqlText`.

/// `ROWS`, `RANGE` or `GROUPS`.
public enum FrameUnit: String, Sendable, Hashable {
    case rows, range, groups
}

/// One end of a frame: `UNBOUNDED PRECEDING`, `<expr> PRECEDING`, `CURRENT ROW`,
/// `<expr> FOLLOWING`, `UNBOUNDED FOLLOWING`.
public enum FrameBound: Sendable, Hashable {
    case unboundedPreceding
    case preceding(Expr)
    case currentRow
    case following(Expr)
    case unboundedFollowing
}

/// `EXCLUDE NO OTHERS | CURRENT ROW | GROUP | TIES`.
public enum FrameExclude: String, Sendable, Hashable {
    case noOthers = "NO OTHERS", currentRow = "CURRENT ROW", group = "GROUP", ties = "TIES"
}

/// `ROWS|RANGE|GROUPS BETWEEN start AND end [EXCLUDE ...]` (a short form `ROWS start` has
/// `end == .currentRow`).
public struct WindowFrame: Sendable, Hashable {
    public var unit: FrameUnit
    public var start: FrameBound
    public var end: FrameBound
    public var exclude: FrameExclude

    public init(unit: FrameUnit, start: FrameBound, end: FrameBound = .currentRow, exclude: FrameExclude = .noOthers) {
        self.unit = unit
        self.start = start
        self.end = end
        self.exclude = exclude
    }
}

/// `WINDOW name AS (spec)` of a SELECT.
public struct NamedWindow: Sendable, Hashable {
    public var name: String
    public var spec: WindowSpec

    public init(name: String, spec: WindowSpec) {
        self.name = name
        self.spec = spec
    }
}

extension WindowFrame {
    /// Offset expressions of the frame's ends.
    public var offsets: [Expr] {
        var out: [Expr] = []
        for b in [start, end] {
            switch b {
            case .preceding(let e), .following(let e): out.append(e)
            default: break
            }
        }
        return out
    }
}

extension WindowSpec {
    /// The spec's text inside `OVER (...)`, or the bare name of `OVER w`.
    public var sqlText: String {
        if let b = base, partitionBy.isEmpty, orderBy.isEmpty, frame == nil, !parenthesized { return b }
        var parts: [String] = []
        if let b = base { parts.append(b) }
        if !partitionBy.isEmpty { parts.append("PARTITION BY " + partitionBy.map(\.sqlText).joined(separator: ", ")) }
        if !orderBy.isEmpty {
            parts.append("ORDER BY " + orderBy.map { o in
                o.expr.sqlText + (o.descending ? " DESC" : "") + (o.nullsFirst.map { $0 ? " NULLS FIRST" : " NULLS LAST" } ?? "")
            }.joined(separator: ", "))
        }
        if let f = frame {
            func bound(_ b: FrameBound) -> String {
                switch b {
                case .unboundedPreceding: return "UNBOUNDED PRECEDING"
                case .preceding(let e): return e.sqlText + " PRECEDING"
                case .currentRow: return "CURRENT ROW"
                case .following(let e): return e.sqlText + " FOLLOWING"
                case .unboundedFollowing: return "UNBOUNDED FOLLOWING"
                }
            }
            var s = f.unit.rawValue.uppercased() + " BETWEEN " + bound(f.start) + " AND " + bound(f.end)
            if f.exclude != .noOthers { s += " EXCLUDE " + f.exclude.rawValue }
            parts.append(s)
        }
        return "(" + parts.joined(separator: " ") + ")"
    }
}

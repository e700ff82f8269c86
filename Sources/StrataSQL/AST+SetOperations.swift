// Set operations between query terms: UNION, INTERSECT, EXCEPT (DuckDB semantics).

/// `left UNION | INTERSECT | EXCEPT [ALL] [BY NAME] right`.
///
/// A top-level chain of plain `UNION ALL`s stays a list of terms in `Query.body`; any other set
/// operation is a tree of these, left-associative, INTERSECT binding tighter than UNION and
/// EXCEPT (DuckDB's precedence).
public struct SetOperation: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case union, intersect, except
    }

    public var kind: Kind
    /// `ALL`: keep duplicates (bag semantics); without it the result is distinct.
    public var all: Bool
    /// `UNION [ALL] BY NAME`: columns matched by name instead of position.
    public var byName: Bool
    public var left: QueryTerm
    public var right: QueryTerm

    public init(kind: Kind, all: Bool = false, byName: Bool = false, left: QueryTerm, right: QueryTerm) {
        self.kind = kind
        self.all = all
        self.byName = byName
        self.left = left
        self.right = right
    }

    /// The keywords between the operands, e.g. `UNION ALL BY NAME`.
    public var keywords: String {
        kind.rawValue.uppercased() + (all ? " ALL" : "") + (byName ? " BY NAME" : "")
    }

    /// Binding strength: INTERSECT 2, UNION and EXCEPT 1.
    public var precedence: Int { kind == .intersect ? 2 : 1 }
}

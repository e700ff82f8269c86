import StrataSQL

/// A join made from a subquery in an expression (see Bind/SubqueryBinder.swift). Its
/// `JoinSpec.kind` is `.left` (left rows are never multiplied, right-side filters above it
/// never move into the subquery); this says what it outputs:
///
/// - `semi`: the left rows with a partner (`WHERE EXISTS`, `WHERE x IN (SELECT ...)`); output:
///   the left columns.
/// - `anti`: the left rows without a partner (`WHERE NOT EXISTS`; `WHERE x NOT IN (...)` with
///   `nullAware`); output: the left columns.
/// - `mark`: every left row plus one BOOLEAN column, whether it has a partner (EXISTS or IN as
///   a value: in the SELECT list, under OR, ...).
/// - `single`: a LEFT JOIN whose left rows may have at most one partner (scalar subqueries);
///   a second partner is DuckDB's "More than one row returned by a subquery" error.
///
/// With `nullAware`, the last key pair is the comparison of `x [NOT] IN (SELECT y ...)` under
/// SQL's NULL rules: a row without a partner is NULL (not false) when `x` is NULL or a
/// candidate `y` is NULL, and false when there is no candidate at all.
struct SubqueryJoin {
    enum Kind: String {
        case semi = "SEMI", anti = "ANTI", mark = "MARK", single = "SINGLE"
    }

    var kind: Kind
    var nullAware = false

    /// The output of a join of `left` with `right` of this kind.
    func schema(_ left: PlanNode, _ right: PlanNode) -> (names: [String], types: [DataType]) {
        switch kind {
        case .semi, .anti: return (left.names, left.types)
        case .mark: return (left.names + ["mark"], left.types + [.boolean])
        case .single: return (left.names + right.names, left.types + right.types)
        }
    }
}

enum SetOperationText {
    /// `Union`, `Intersect ALL`, ... (EXPLAIN).
    static func header(_ kind: SetOperation.Kind, all: Bool) -> String {
        kind.rawValue.prefix(1).uppercased() + kind.rawValue.dropFirst() + (all ? " ALL" : "")
    }
}

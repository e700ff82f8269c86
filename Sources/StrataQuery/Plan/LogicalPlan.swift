import StrataCore
import StrataSQL
import StrataStore

/// One operator of a logical plan: what it does, its inputs, and its typed output schema.
///
/// Binding turns a statement into a tree of these without reading any data; the optimizer
/// rewrites the tree (`Optimize/`), EXPLAIN prints it (`PlanPrinter`), and `PlanExecutor`
/// runs it. Expressions (`BExpr`) refer to the columns of the operator's input by position:
/// for a Join, the left input's columns followed by the right input's.
final class PlanNode {
    enum Op {
        /// A stored table: every column of the table in table order (the ones not read are
        /// NULL), read with the pushed filter and pruning ranges.
        case scan(ScanSpec)
        /// Constant rows (a SELECT without FROM reads one row of no columns).
        case values(Relation)
        /// generate_series / range in FROM (Functions/SeriesSource.swift).
        case series(SeriesSpec)
        /// Files read in place: read_csv / read_json / read_parquet / FROM 'path'
        /// (Files/FileScan.swift).
        case files(FileScanSpec)
        /// A reference to a WITH query, shared by all its references.
        case cte(CTEDefinition)
        case filter(BExpr)
        case project([BExpr])
        /// Output: the group keys, then the aggregates.
        case aggregate(AggregateSpec)
        /// Output: the input's columns, then one column per window function.
        case window([WindowSpecBound])
        case sort([OrderKey])
        case limit(Int?, offset: Int)
        /// Sort + Limit in one: keep the best `limit + offset` rows.
        case topN([OrderKey], limit: Int, offset: Int)
        /// Distinct rows (the first of each, in input order).
        case distinct
        case join(JoinSpec)
        /// UNION ALL of the inputs (same column count; types unified).
        case unionAll
        /// UNION / INTERSECT / EXCEPT [ALL] of two inputs by hashing whole rows (NULLs equal);
        /// see SetOperationExec.swift.
        case setOperation(SetOperation.Kind, all: Bool)
        /// Output: the input's columns, then the elements of each LIST expression, one row per
        /// element (Functions/Unnest.swift).
        case unnest([BExpr])
    }

    var op: Op
    var inputs: [PlanNode]
    var names: [String]
    var types: [DataType]
    /// The table alias each output column answers to, for the inputs of joins (EXPLAIN shows
    /// `c.link_id`); nil elsewhere.
    var qualifiers: [String?]?
    /// Project outputs no operator above reads (ProjectionPushdown turned them into NULL
    /// constants so their inputs need not be read).
    var unused: Set<Int> = []

    init(_ op: Op, _ inputs: [PlanNode], names: [String], types: [DataType]) {
        self.op = op
        self.inputs = inputs
        self.names = names
        self.types = types
    }

    var input: PlanNode { inputs[0] }

    /// Column names as EXPLAIN shows them in expressions: `alias.name` where known.
    var qualifiedNames: [String] {
        guard let q = qualifiers else {
            switch op {
            case .filter, .sort, .limit, .topN, .distinct: return input.qualifiedNames
            default: return names
            }
        }
        return zip(q, names).map { q, n in q.map { "\($0).\(n)" } ?? n }
    }
}

/// A stored table read by a plan: the statement's snapshot of it, the columns read, the
/// predicate applied while reading and the ranges used to skip segments and blocks.
final class ScanSpec {
    let table: String
    let snapshot: Snapshot
    /// Table columns read (sorted); nil until projection pushdown runs: all of them.
    var columns: [Int]?
    var filter: BExpr?
    var prune: [Int: PruneRange] = [:]
    /// A `dedup_key` table: read whole and deduplicated (newest version of each key) before
    /// the filter applies; no pruning.
    var dedup: Bool

    init(table: String, snapshot: Snapshot, dedup: Bool) {
        self.table = table
        self.snapshot = snapshot
        self.dedup = dedup
    }
}

/// A WITH query: bound once, referenced by name. The optimizer inlines it when it has one
/// reference and materializes it once otherwise.
final class CTEDefinition {
    let name: String
    var plan: PlanNode
    var references = 0
    /// Set by the CTE rule: run once, its rows shared by every reference.
    var materialize = false
    /// The rows, once run (execution only).
    var rows: Relation?

    init(name: String, plan: PlanNode) {
        self.name = name
        self.plan = plan
    }
}

struct AggregateSpec {
    var groups: [BExpr]
    var aggs: [AggSpec]
    /// Set by the top-N rule: `ORDER BY cheap aggregate LIMIT k` above this aggregate, with
    /// costly aggregates not ordered by; run the cheap ones first to find the k groups.
    var twoPhaseTopN = false
    /// GROUP BY ROLLUP/CUBE/GROUPING SETS: each set lists indices into `groups` (nil: one set
    /// of all of them). The output is every set's groups, keys outside the set NULL.
    var groupingSets: [[Int]]? = nil
}

struct JoinSpec {
    enum Algorithm: String {
        /// Integer keys: one packed word per row, a direct array when the ranges are small.
        case packedKeys = "packed integer keys"
        /// Any keys: hashed key words.
        case hashedKeys = "hashed keys"
        /// No keys: every pair of rows (CROSS JOIN or a condition without equalities).
        case nestedLoop = "nested loop"
    }
    var kind: Join.Kind
    /// Equality keys: left ones over the left input, right ones over the right input.
    var leftKeys: [BExpr]
    var rightKeys: [BExpr]
    /// The rest of the ON condition, over the joined columns.
    var residual: BExpr?
    /// Output columns used above the join (nil: all); the others are not gathered.
    var needed: Set<Int>?
    var algorithm: Algorithm = .hashedKeys
    /// The right side's keys are unique (grouped by exactly the keys): at most one partner
    /// per left row.
    var uniqueRight = false
    /// Inner joins whose left input is much smaller: the hash table is built on the left and
    /// the right side probes it (the pairs are then put back in left-row order).
    var buildLeft = false
    /// A join made from a subquery (semi, anti, mark, single; `kind` is then `.left`); see
    /// Plan/SubqueryJoin.swift.
    var subquery: SubqueryJoin? = nil
    /// Predicate pushdown already narrowed a side to the other side's series range.
    var seriesRangeApplied = false
}

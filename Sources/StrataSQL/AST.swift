// Abstract syntax tree produced by the parser.
//
// Conventions:
// - Unquoted identifiers (table, column, alias, function, CTE and option names)
//   are ASCII-lower-cased; quoted identifiers ("x" or `x`) keep their case.
// - Equality of `Expr` (and of `TableRef`) ignores source ranges, so two
//   expressions compare equal when they are structurally identical. This is
//   what a binder needs to match e.g. a HAVING sub-expression against a
//   select-list expression.

// MARK: - Statements

/// One SQL statement.
public enum Statement: Sendable, Hashable {
    /// `SELECT ...` / `WITH ...` / parenthesised query.
    case query(Query)
    /// `CREATE TABLE ...`.
    case createTable(CreateTable)
    /// `DROP TABLE [IF EXISTS] name`.
    case dropTable(name: String, ifExists: Bool)
    /// `SHOW TABLES`.
    case showTables
    /// `DESCRIBE name` / `DESC name` (an optional `TABLE` keyword is accepted).
    case describe(table: String)
    /// `SET name = value` / `SET name TO value`. `name` is lower-cased unless quoted.
    case set(name: String, value: OptionValue)
    /// `DELETE FROM name [WHERE predicate]`.
    case delete(table: String, predicate: Expr?)
    /// `EXPLAIN query`: the optimized plan, nothing run.
    case explain(Query)
    /// `EXPLAIN ANALYZE query`: runs the query and shows the plan with each operator's rows
    /// and time.
    case explainAnalyze(Query)
    /// `INSERT INTO name [(columns)] query` (the query may be `VALUES ...`).
    case insert(Insert)
    /// `CREATE [OR REPLACE] VIEW [IF NOT EXISTS] name [(columns)] AS query`.
    case createView(CreateView)
    /// `DROP VIEW [IF EXISTS] name`.
    case dropView(name: String, ifExists: Bool)
    /// `COPY (query) | table TO 'path' (options)` / `COPY table FROM 'path' (options)` (AST+Files.swift).
    case copy(CopyStatement)
}

/// A statement together with the byte range of its text in the script.
public struct LocatedStatement: Sendable, Hashable {
    /// The parsed statement.
    public var statement: Statement
    /// Range of the statement text (without the terminating `;`).
    public var range: SourceRange

    public init(statement: Statement, range: SourceRange) {
        self.statement = statement
        self.range = range
    }
}

// MARK: - Queries

/// A full query: optional CTEs, one or more select cores joined by `UNION ALL`,
/// then ORDER BY / LIMIT / OFFSET applying to the whole union.
public struct Query: Sendable, Hashable {
    /// `WITH name AS (query), ...` in declaration order.
    public var ctes: [CommonTableExpression]
    /// Operands of `UNION ALL`, in order; never empty. A single element means no UNION.
    public var body: [QueryTerm]
    /// ORDER BY items of the whole query. An integer literal expression is an ordinal
    /// (1-based select-list position); a bare column ref may name a select alias.
    public var orderBy: [OrderItem]
    /// `LIMIT n` (n >= 0).
    public var limit: Int64?
    /// `OFFSET m` (m >= 0).
    public var offset: Int64?

    public init(ctes: [CommonTableExpression] = [], body: [QueryTerm], orderBy: [OrderItem] = [],
                limit: Int64? = nil, offset: Int64? = nil) {
        self.ctes = ctes
        self.body = body
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
    }

    /// Convenience for the common case: a single select core.
    public init(select: Select, orderBy: [OrderItem] = [], limit: Int64? = nil, offset: Int64? = nil) {
        self.init(ctes: [], body: [.select(select)], orderBy: orderBy, limit: limit, offset: offset)
    }
}

/// One operand of a `UNION ALL` chain.
public indirect enum QueryTerm: Sendable, Hashable {
    /// A plain `SELECT ...` core.
    case select(Select)
    /// A parenthesised query that has its own CTEs, UNION ALL, ORDER BY or LIMIT.
    /// (A parenthesised plain select core is flattened into `.select`.)
    case query(Query)
    /// `left UNION | INTERSECT | EXCEPT [ALL] [BY NAME] right` (see AST+SetOperations.swift).
    case setOperation(SetOperation)
    /// `VALUES (a, b), (c, d)`: rows of expressions, all of the same length (never empty).
    case values([[Expr]])
}

/// `name AS (query)` in a WITH clause.
public struct CommonTableExpression: Sendable, Hashable {
    public var name: String
    public var query: Query

    public init(name: String, query: Query) {
        self.name = name
        self.query = query
    }
}

/// `SELECT [DISTINCT] items [FROM] [WHERE] [GROUP BY] [HAVING] [QUALIFY]`.
public struct Select: Sendable, Hashable {
    public var distinct: Bool
    /// Select list; never empty.
    public var items: [SelectItem]
    public var from: TableRef?
    public var whereClause: Expr?
    /// GROUP BY items. An integer literal is an ordinal; a bare column ref may name
    /// a select-list alias (the binder decides, preferring input columns like DuckDB).
    public var groupBy: [Expr]
    public var having: Expr?
    public var qualify: Expr?
    /// `WINDOW name AS (...), ...` (AST+Window.swift).
    public var windows: [NamedWindow] = []
    /// `GROUP BY ROLLUP/CUBE/GROUPING SETS`: each set lists indices into `groupBy` (nil: one
    /// set of every item). See GroupingSets.swift.
    public var groupingSets: [[Int]]? = nil
    /// `GROUP BY ALL`: the non-aggregate select items are the keys (`groupBy` is empty).
    public var groupByAll = false

    public init(distinct: Bool = false, items: [SelectItem], from: TableRef? = nil,
                whereClause: Expr? = nil, groupBy: [Expr] = [], having: Expr? = nil, qualify: Expr? = nil) {
        self.distinct = distinct
        self.items = items
        self.from = from
        self.whereClause = whereClause
        self.groupBy = groupBy
        self.having = having
        self.qualify = qualify
    }
}

/// One select-list entry.
public enum SelectItem: Sendable, Hashable {
    /// `*` (table == nil) or `t.*`.
    case wildcard(table: String?)
    /// `expr [AS alias]`. Without an alias the output name is `expr.sqlText`
    /// (for a plain column ref: the column name).
    case expr(Expr, alias: String?)
}

/// The FROM source: one table or one derived table.
public struct TableRef: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        /// A named table (or CTE). `final` is ClickHouse's `FINAL` modifier.
        case table(name: String, final: Bool)
        /// `(query)`.
        case subquery(Query)
        /// `left [INNER|LEFT|CROSS] JOIN right [ON ... | USING (...)]`; chains nest to the left.
        case join(Join)
        /// A table function such as `generate_series(1, 10)`, with the column names of
        /// `AS t(col, ...)` (empty when not given).
        case tableFunction(name: String, args: [Expr])
    }

    public var kind: Kind
    /// `[AS] alias`, if given.
    public var alias: String?
    /// `AS alias(c1, c2, ...)`: names for the source's first columns (empty when not given).
    public var columnAliases: [String] = []
    /// Source range of the whole table reference (ignored by `==`).
    public var range: SourceRange

    public init(kind: Kind, alias: String? = nil, range: SourceRange = .none) {
        self.kind = kind
        self.alias = alias
        self.range = range
    }

    /// Compares structure only, ignoring `range`.
    public static func == (lhs: TableRef, rhs: TableRef) -> Bool {
        lhs.kind == rhs.kind && lhs.alias == rhs.alias && lhs.columnAliases == rhs.columnAliases
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(alias)
        hasher.combine(columnAliases)
    }
}

/// One join of two table references.
public struct Join: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case inner, left, cross
    }

    public var kind: Kind
    public var left: TableRef
    public var right: TableRef
    /// `ON` condition (nil for USING and CROSS JOIN).
    public var on: Expr?
    /// `USING (c, ...)` column names (empty otherwise).
    public var using: [String]

    public init(kind: Kind, left: TableRef, right: TableRef, on: Expr? = nil, using: [String] = []) {
        self.kind = kind
        self.left = left
        self.right = right
        self.on = on
        self.using = using
    }
}

/// `expr [ASC|DESC] [NULLS FIRST|LAST]`.
public struct OrderItem: Sendable, Hashable {
    public var expr: Expr
    public var descending: Bool
    /// `true` for NULLS FIRST, `false` for NULLS LAST, `nil` when not written
    /// (engine default applies).
    public var nullsFirst: Bool?

    public init(expr: Expr, descending: Bool = false, nullsFirst: Bool? = nil) {
        self.expr = expr
        self.descending = descending
        self.nullsFirst = nullsFirst
    }
}

// MARK: - Expressions

/// An expression node: its `kind` plus the source range it was parsed from.
/// `==` and `hash(into:)` ignore `range`.
public struct Expr: Sendable, Hashable {
    public var kind: ExprKind
    /// UTF-8 byte range of the expression in the SQL text (`.none` if synthesized).
    public var range: SourceRange
    /// Height of the expression tree (a leaf has height 1); used for nesting limits.
    public let height: Int

    public init(_ kind: ExprKind, range: SourceRange = .none) {
        self.kind = kind
        self.range = range
        self.height = kind.childHeight + 1
    }

    public static func == (lhs: Expr, rhs: Expr) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}

/// Expression node kinds.
public indirect enum ExprKind: Sendable, Hashable {
    /// Column reference `name` or `table.name`.
    case column(table: String?, name: String)
    case literal(Literal)
    /// `-x` or `NOT x`. (A minus directly before a numeric literal is folded
    /// into a negative literal.)
    case unary(UnaryOp, Expr)
    /// Arithmetic, comparison, `||`, AND, OR.
    case binary(BinaryOp, Expr, Expr)
    /// `x IS [NOT] NULL`.
    case isNull(Expr, negated: Bool)
    /// `x IS [NOT] TRUE` / `x IS [NOT] FALSE`.
    case isBoolean(Expr, value: Bool, negated: Bool)
    /// `x [NOT] IN (a, b, ...)`; the list is never empty.
    case inList(Expr, [Expr], negated: Bool)
    /// `x [NOT] IN (SELECT ...)`.
    case inSubquery(Expr, Query, negated: Bool)
    /// `x [NOT] BETWEEN low AND high`.
    case between(Expr, low: Expr, high: Expr, negated: Bool)
    /// `x [NOT] LIKE pattern` (caseInsensitive: ILIKE).
    case like(Expr, pattern: Expr, caseInsensitive: Bool, negated: Bool)
    /// `CASE [operand] WHEN ... THEN ... [ELSE ...] END`.
    case caseWhen(CaseExpr)
    /// `CAST(x AS type)`, `x::type` (isTry false) or `TRY_CAST(x AS type)` (isTry true).
    case cast(Expr, TypeName, isTry: Bool)
    /// `EXTRACT(field FROM x)`.
    case extract(DateField, Expr)
    /// Function, aggregate or window function call.
    case function(FunctionCall)
    /// Scalar subquery `(SELECT ...)`.
    case subquery(Query)
    /// `EXISTS (SELECT ...)` (`NOT EXISTS` is `NOT` over it).
    case exists(Query)

    var childHeight: Int {
        switch self {
        case .column, .literal, .subquery, .exists:
            return 0
        case .unary(_, let e), .isNull(let e, _), .isBoolean(let e, _, _), .cast(let e, _, _),
             .extract(_, let e), .inSubquery(let e, _, _):
            return e.height
        case .binary(_, let l, let r), .like(let l, let r, _, _):
            return max(l.height, r.height)
        case .inList(let e, let list, _):
            return list.reduce(e.height) { max($0, $1.height) }
        case .between(let e, let lo, let hi, _):
            return max(e.height, lo.height, hi.height)
        case .caseWhen(let c):
            var h = c.operand?.height ?? 0
            for b in c.branches { h = max(h, b.condition.height, b.result.height) }
            return max(h, c.elseResult?.height ?? 0)
        case .function(let f):
            var h = f.args.reduce(0) { max($0, $1.height) }
            h = max(h, f.filter?.height ?? 0)
            if let w = f.over {
                for p in w.partitionBy { h = max(h, p.height) }
                for o in w.orderBy { h = max(h, o.expr.height) }
            }
            return h
        }
    }
}

/// `CASE` expression. With an `operand`, each branch condition is compared for
/// equality with it (simple CASE); otherwise each condition is a predicate.
public struct CaseExpr: Sendable, Hashable {
    public var operand: Expr?
    /// Never empty.
    public var branches: [CaseBranch]
    public var elseResult: Expr?

    public init(operand: Expr? = nil, branches: [CaseBranch], elseResult: Expr? = nil) {
        self.operand = operand
        self.branches = branches
        self.elseResult = elseResult
    }
}

/// `WHEN condition THEN result`.
public struct CaseBranch: Sendable, Hashable {
    public var condition: Expr
    public var result: Expr

    public init(condition: Expr, result: Expr) {
        self.condition = condition
        self.result = result
    }
}

/// A function call `name(args)`, possibly an aggregate with DISTINCT / FILTER or
/// a window function with OVER.
public struct FunctionCall: Sendable, Hashable {
    /// Lower-cased unless quoted (`date_trunc`, `tostartofhour`, `countif`).
    public var name: String
    /// Arguments; empty for `count(*)` and `f()`.
    public var args: [Expr]
    /// `f(DISTINCT ...)`.
    public var distinct: Bool
    /// `f(*)`, e.g. `count(*)`.
    public var isStar: Bool
    /// `FILTER (WHERE cond)`.
    public var filter: Expr?
    /// `OVER (...)`.
    public var over: WindowSpec?
    /// ClickHouse parametric aggregates `name(params)(args)` (`topK(3)(x)`).
    public var params: [Expr]? = nil
    /// `ORDER BY` inside an aggregate call (`string_agg(x, ',' ORDER BY x)`).
    public var orderBy: [OrderItem] = []
    /// `count(DISTINCT (a, b))`: the arguments form one row value.
    public var rowArgs = false

    public init(name: String, args: [Expr] = [], distinct: Bool = false, isStar: Bool = false,
                filter: Expr? = nil, over: WindowSpec? = nil) {
        self.name = name
        self.args = args
        self.distinct = distinct
        self.isStar = isStar
        self.filter = filter
        self.over = over
    }
}

/// `OVER ([base] [PARTITION BY ...] [ORDER BY ...] [frame])` or `OVER name` (AST+Window.swift).
public struct WindowSpec: Sendable, Hashable {
    public var partitionBy: [Expr]
    public var orderBy: [OrderItem]
    /// A named window this one refers to or extends (`OVER w`, `OVER (w ROWS ...)`).
    public var base: String? = nil
    /// `true` unless written `OVER name` without parentheses.
    public var parenthesized = true
    /// `ROWS|RANGE|GROUPS ...`; nil: the default frame.
    public var frame: WindowFrame? = nil
    /// `f(x IGNORE NULLS) OVER ...` (first_value, last_value, nth_value, lag, lead).
    public var ignoreNulls = false

    public init(partitionBy: [Expr] = [], orderBy: [OrderItem] = []) {
        self.partitionBy = partitionBy
        self.orderBy = orderBy
    }
}



/// Literal values.
public enum Literal: Sendable, Hashable {
    case null
    case boolean(Bool)
    /// Integer literal that fits Int64 (a leading minus is folded in).
    case integer(Int64)
    /// Decimal / exponent literal, or integer literal too large for Int64.
    case double(Double)
    case string(String)
    /// `TIMESTAMP '...'` with the text as written between the quotes.
    case timestamp(String)
    /// `DATE '...'` with the text as written between the quotes.
    case date(String)
    /// `INTERVAL '7' DAY`, `INTERVAL 7 DAY`, `INTERVAL '7 days'`: count and unit.
    case interval(Int64, IntervalUnit)
}

/// Units accepted by `INTERVAL` (singular or plural, case-insensitive).
public enum IntervalUnit: String, Sendable, Hashable, CaseIterable {
    case microsecond, millisecond, second, minute, hour, day, week, month, quarter, year
}

/// Fields accepted by `EXTRACT(field FROM x)`.
public enum DateField: String, Sendable, Hashable, CaseIterable {
    case year, quarter, month, week, day, dow, isodow, doy, hour, minute, second, epoch, millisecond, microsecond
}

/// Unary operators.
public enum UnaryOp: String, Sendable, Hashable {
    case negate = "-"
    case not = "NOT"
}

/// Binary operators (`==` parses as `.eq`, `!=` as `.neq`).
public enum BinaryOp: String, Sendable, Hashable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    /// `//`: integer division (truncating) of integers; of doubles, division
    case integerDivide = "//"
    case eq = "=", neq = "<>", lt = "<", le = "<=", gt = ">", ge = ">="
    case concat = "||"
    case and = "AND", or = "OR"
    /// `IS [NOT] DISTINCT FROM`: equality where NULL equals NULL (never NULL itself).
    case isDistinctFrom = "IS DISTINCT FROM", isNotDistinctFrom = "IS NOT DISTINCT FROM"

    /// Binding strength: OR 1, AND 2, comparisons 4, `||` 5, `+ -` 6, `* / % //` 7.
    public var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .eq, .neq, .lt, .le, .gt, .ge, .isDistinctFrom, .isNotDistinctFrom: return 4
        case .concat: return 5
        case .add, .subtract: return 6
        case .multiply, .divide, .modulo, .integerDivide: return 7
        }
    }

    /// True for `= <> < <= > >=`.
    public var isComparison: Bool { precedence == 4 }
}

/// Column / cast types.
public enum TypeName: Sendable, Hashable {
    /// TIMESTAMP, DATETIME.
    case timestamp
    /// INTEGER, INT, INT4, INT32 (32-bit).
    case integer
    /// BIGINT, INT8, INT64.
    case bigint
    /// DOUBLE [PRECISION], FLOAT8, FLOAT, REAL.
    case double
    /// BOOLEAN, BOOL.
    case boolean
    /// VARCHAR[(n)], TEXT, STRING; `length` is the declared n, if any.
    case varchar(length: Int?)
    /// DATE.
    case date
    /// INTERVAL (casts only).
    case interval
}

// MARK: - DDL

/// `CREATE TABLE` statement.
public struct CreateTable: Sendable, Hashable {
    public var name: String
    public var ifNotExists: Bool
    /// Columns in declaration order; names are unique.
    public var columns: [ColumnDefinition]
    /// `PARTITION BY hour|day|month(column)`; column is one of `columns`.
    public var partitionBy: PartitionSpec?
    /// `ORDER BY (a, b)` / `ORDER BY a`; every name is one of `columns`.
    public var orderBy: [String]
    /// `WITH (key = value, ...)`; keys lower-cased and unique, in written order.
    public var options: [TableOption]
    /// `CREATE TABLE name [clauses] AS query`: the query whose result defines the columns (their
    /// names and types) and the rows; `columns` is empty then.
    public var asQuery: Query? = nil

    public init(name: String, ifNotExists: Bool = false, columns: [ColumnDefinition],
                partitionBy: PartitionSpec? = nil, orderBy: [String] = [], options: [TableOption] = []) {
        self.name = name
        self.ifNotExists = ifNotExists
        self.columns = columns
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.options = options
    }

    /// The value of option `key` (lower-case), if present.
    public func option(_ key: String) -> OptionValue? {
        options.first { $0.key == key }?.value
    }
}

/// `name TYPE [NOT NULL]`.
public struct ColumnDefinition: Sendable, Hashable {
    public var name: String
    public var type: TypeName
    public var notNull: Bool

    public init(name: String, type: TypeName, notNull: Bool = false) {
        self.name = name
        self.type = type
        self.notNull = notNull
    }
}

/// Time-partitioning granularity.
public enum PartitionGranularity: String, Sendable, Hashable, CaseIterable {
    case hour, day, month
}

/// `PARTITION BY granularity(column)`.
public struct PartitionSpec: Sendable, Hashable {
    public var granularity: PartitionGranularity
    public var column: String

    public init(granularity: PartitionGranularity, column: String) {
        self.granularity = granularity
        self.column = column
    }
}

/// `key = value` in `WITH (...)`.
public struct TableOption: Sendable, Hashable {
    public var key: String
    public var value: OptionValue

    public init(key: String, value: OptionValue) {
        self.key = key
        self.value = value
    }
}

/// Value of a table option or of `SET`.
public enum OptionValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case double(Double)
    case boolean(Bool)
    /// Bare word (lower-cased) or quoted identifier (case kept), e.g. `zstd`.
    case identifier(String)
    /// `(a, b, ...)`, e.g. `dedup_key = (visitor_id, ts)`.
    case identifierList([String])
}

// MARK: - INSERT and views

/// `INSERT INTO table [(columns)] query`.
public struct Insert: Sendable, Hashable {
    public var table: String
    /// Target columns in the order the query's columns fill them; empty: every column of the
    /// table in its order.
    public var columns: [String]
    /// The rows: any query, `VALUES (...), (...)` included.
    public var query: Query

    public init(table: String, columns: [String] = [], query: Query) {
        self.table = table
        self.columns = columns
        self.query = query
    }
}

/// `CREATE [OR REPLACE] VIEW [IF NOT EXISTS] name [(columns)] AS query`.
public struct CreateView: Sendable, Hashable {
    public var name: String
    public var orReplace: Bool
    public var ifNotExists: Bool
    /// Names for the query's columns (empty: the query's own names).
    public var columns: [String]
    public var query: Query
    /// The query's text exactly as written (what the catalog keeps).
    public var queryText: String

    public init(name: String, orReplace: Bool = false, ifNotExists: Bool = false, columns: [String] = [],
                query: Query, queryText: String) {
        self.name = name
        self.orReplace = orReplace
        self.ifNotExists = ifNotExists
        self.columns = columns
        self.query = query
        self.queryText = queryText
    }

    /// Compares structure only: the kept text is not part of it.
    public static func == (lhs: CreateView, rhs: CreateView) -> Bool {
        lhs.name == rhs.name && lhs.orReplace == rhs.orReplace && lhs.ifNotExists == rhs.ifNotExists
            && lhs.columns == rhs.columns && lhs.query == rhs.query
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(query)
    }
}

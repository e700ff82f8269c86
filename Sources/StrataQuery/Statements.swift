import Foundation
import StrataCore
import StrataFormat
import StrataSQL
import StrataStore
import StrataText

// Issue 16's "Statements" area in the engine: CREATE TABLE ... AS, INSERT, views (create, drop,
// expansion at bind time, SHOW TABLES, DESCRIBE), and the binder's VALUES lists and column
// aliases of FROM items.

extension QueryEngine {
    /// `CREATE TABLE name [PARTITION BY ...] [ORDER BY ...] [WITH (...)] AS query`: the table's
    /// columns are the query's (names and types), its rows the query's, committed in one batch.
    /// When the rows cannot be written the new table is dropped again.
    func createTableAs(_ c: CreateTable, _ q: Query) throws(QueryError) -> Int {
        if c.ifNotExists && (store.tableExists(c.name) || store.viewExists(c.name)) { return 0 }
        if store.viewExists(c.name) { throw QueryError("cannot create table '\(c.name.lowercased())': a view with that name exists") }
        if store.tableExists(c.name) { throw QueryError("table '\(c.name.lowercased())' already exists") }
        let (plan, binder, ex) = try planQuery(q)
        defer { withExtendedLifetime(binder) {} }
        let rel = try PlanExecutor(executor: ex).run(plan)
        var def = c
        def.asQuery = nil
        var seen = Set<String>()
        for (name, type) in zip(rel.names, rel.types) {
            do throws(StoreError) { try Store.checkName(name, what: "column") } catch {
                throw QueryError("\(error.message) (name the query's column with AS)")
            }
            guard seen.insert(name.lowercased()).inserted else {
                throw QueryError("duplicate column name '\(name)' in the query of CREATE TABLE \(c.name) AS (name the columns with AS)")
            }
            def.columns.append(ColumnDefinition(name: name, type: try QueryEngine.storedType(type, column: name)))
        }
        try createTable(def)
        let table: Table
        do throws(StoreError) { table = try store.table(c.name) } catch { throw QueryError(error) }
        do throws(QueryError) {
            return try write(rel, into: table, targets: Array(rel.names.indices))
        } catch {
            try? store.dropTable(c.name, ifExists: true)
            throw error
        }
    }

    /// The stored column type of a query column's type (a NULL-only column becomes INTEGER, as
    /// DuckDB types an untyped NULL).
    static func storedType(_ t: DataType, column: String) throws(QueryError) -> TypeName {
        switch t {
        case .null: return .integer
        case .boolean: return .boolean
        case .bigint: return .bigint
        case .double: return .double
        case .varchar: return .varchar(length: nil)
        case .timestamp: return .timestamp
        case .date: return .date
        case .interval: throw QueryError("column '\(column)' is an INTERVAL, which a table cannot store (cast it to VARCHAR or extract a number)")
        }
    }

    /// `INSERT INTO name [(columns)] query`: the rows of the query, cast to the columns' types
    /// (columns not listed are NULL), committed as one batch (all rows or none).
    func insert(_ i: Insert) throws(QueryError) -> Int {
        if store.viewExists(i.table) { throw QueryError("cannot insert into '\(i.table.lowercased())': it is a view") }
        let table: Table
        let def: TableDefinition
        do throws(StoreError) {
            table = try store.table(i.table)
            def = try table.definition
        } catch { throw QueryError(error) }
        var targets: [Int] = []
        if i.columns.isEmpty {
            targets = Array(def.columns.indices)
        } else {
            for c in i.columns {
                guard let k = def.columnIndex(c) else {
                    let hint = Binder.closest(c, def.columns.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                    throw QueryError("table '\(def.name)' has no column '\(c)'\(hint)")
                }
                guard !targets.contains(k) else { throw QueryError("column '\(c)' is listed twice in INSERT INTO \(def.name)") }
                targets.append(k)
            }
        }
        let (plan, binder, ex) = try planQuery(i.query)
        defer { withExtendedLifetime(binder) {} }
        guard plan.types.count == targets.count else {
            let what = i.columns.isEmpty ? "table '\(def.name)' has \(targets.count) column\(targets.count == 1 ? "" : "s")"
                : "\(targets.count) column\(targets.count == 1 ? " is" : "s are") listed"
            throw QueryError("INSERT INTO \(def.name): \(what) but the query gives \(plan.types.count) value\(plan.types.count == 1 ? "" : "s") per row")
        }
        let rel = try PlanExecutor(executor: ex).run(plan)
        var slots = [Int](repeating: -1, count: def.columns.count)
        for (j, k) in targets.enumerated() { slots[k] = j }
        return try write(rel, into: table, targets: slots)
    }

    /// Casts `rel`'s columns to the table's column types (`targets[k]`: the relation column of
    /// table column `k`, -1 for NULL), stages them as segments and commits them in one new
    /// manifest version. Returns the number of rows.
    func write(_ rel: Relation, into table: Table, targets: [Int]) throws(QueryError) -> Int {
        let def: TableDefinition
        do throws(StoreError) { def = try table.definition } catch { throw QueryError(error) }
        let n = rel.count
        if n == 0 { return 0 }
        let eval = Evaluator(timeZone: timeZone)
        var columns: [Column] = []
        for (k, schema) in def.columns.enumerated() {
            let j = k < targets.count ? targets[k] : -1
            let t = DataType(schema.type)
            var v: Vec
            if j < 0 {
                v = Vec.nulls(t, count: n)
            } else {
                do throws(QueryError) {
                    v = try eval.cast(rel.columns[j], to: t, int32: schema.type == .integer).flattened()
                } catch {
                    var e = error
                    e.message = "column '\(schema.name)' (\(schema.type.sqlName)): \(error.message)"
                    throw e
                }
            }
            if !schema.nullable, let valid = v.valid, let bad = valid.firstIndex(of: 0) {
                throw QueryError("NOT NULL constraint failed: \(def.name).\(schema.name) (row \(bad + 1) is NULL)")
            }
            columns.append(QueryEngine.column(v, count: n))
        }
        let staged: [Table.StagedSegment]
        do throws(StoreError) {
            staged = try PartitionWriter.stage(table: table, definition: def, columns: columns)
            try table.commit(adding: staged)
        } catch {
            throw QueryError(error)
        }
        return n
    }

    /// A flat vector as a store column of its type.
    static func column(_ v: Vec, count n: Int) -> Column {
        let validity = v.valid.map { Array($0.prefix(n)) }
        switch v.type {
        case .double:
            return Column(.double(Array(v.dbls.prefix(n))), validity: validity)
        case .boolean:
            return Column(.bool(v.ints.prefix(n).map { $0 != 0 ? 1 : 0 }), validity: validity)
        case .varchar:
            var d = StringDictionary()
            var codes = [UInt32](repeating: 0, count: n)
            if let ref = v.dict {
                // keep the dictionary: codes stay as they are (NULL rows point at entry 0)
                d = ref.dict
                if d.count == 0 { d.append("") }
                for i in 0..<n where validity.map({ $0[i] != 0 }) ?? true { codes[i] = UInt32(truncatingIfNeeded: v.ints[i]) }
            } else {
                var index: [String: UInt32] = [:]
                for i in 0..<n where validity.map({ $0[i] != 0 }) ?? true {
                    let s = v.strs[i]
                    if let c = index[s] { codes[i] = c } else {
                        let c = UInt32(d.count)
                        index[s] = c
                        d.append(s)
                        codes[i] = c
                    }
                }
                if d.count == 0 { d.append("") }
            }
            return Column(.string(codes: codes, dictionary: d), validity: validity)
        default:
            return Column(.int64(Array(v.ints.prefix(n))), validity: validity)
        }
    }

    /// `CREATE [OR REPLACE] VIEW`: the query is bound once now (its tables must exist, a view may
    /// not refer to itself), then its text is kept in the catalog as written.
    func createView(_ v: CreateView) throws(QueryError) {
        if v.ifNotExists && store.viewExists(v.name) { return }
        if store.tableExists(v.name) { throw QueryError("cannot create view '\(v.name.lowercased())': a table with that name exists") }
        let binder = Binder(store: store, eval: Evaluator(timeZone: timeZone))
        binder.expandingViews = [v.name.lowercased()]
        let plan = try binder.plan(v.query)
        if v.columns.count > plan.names.count {
            throw QueryError("view '\(v.name)' names \(v.columns.count) columns but its query gives \(plan.names.count)")
        }
        do throws(StoreError) {
            try store.createView(ViewDefinition(name: v.name, sql: v.queryText, columns: v.columns), orReplace: v.orReplace,
                                 ifNotExists: v.ifNotExists)
        } catch { throw QueryError(error) }
    }

    /// Table and view names for SHOW TABLES, sorted.
    func catalogNames() -> [String] {
        (store.tableNames() + store.viewNames()).sorted()
    }

    /// DESCRIBE of a view: its columns as the query gives them (nullable, extra `view`).
    func describeView(_ name: String) throws(QueryError) -> ResultSet? {
        guard store.viewExists(name) else { return nil }
        let binder = Binder(store: store, eval: Evaluator(timeZone: timeZone))
        let (node, _) = try binder.source(TableRef(kind: .table(name: name, final: false)))
        let n = node.names.count
        let rows: [[Value]] = (0..<n).map { i in
            [.string(node.names[i]), .string(node.types[i].description), .string("YES"), .string("view")]
        }
        return ResultSet(names: ["column_name", "column_type", "null", "extra"], types: [.varchar, .varchar, .varchar, .varchar],
                         columns: (0..<4).map { i in rows.map { $0[i] } })
    }
}

// MARK: - binding

extension Binder {
    /// A FROM item with column aliases (`AS v(a, b)`): the item's first columns renamed.
    func aliasedSource(_ from: TableRef) throws(QueryError) -> (PlanNode, Scope) {
        var inner = from
        inner.columnAliases = []
        let (node, scope) = try source(inner)
        let (renamed, names) = try Binder.rename(node, from.columnAliases, what: "'\(from.alias ?? "")'", at: from.range.start)
        var s = scope
        s.names = names
        return (renamed, s)
    }

    /// `node` with its first columns named `aliases` (a projection of its columns).
    static func rename(_ node: PlanNode, _ aliases: [String], what: String, at: Int?) throws(QueryError) -> (PlanNode, [String]) {
        guard aliases.count <= node.names.count else {
            throw QueryError("\(what) has \(node.names.count) column\(node.names.count == 1 ? "" : "s") but \(aliases.count) names were given", offset: at)
        }
        if aliases.isEmpty { return (node, node.names) }
        var names = node.names
        for (i, a) in aliases.enumerated() { names[i] = a }
        let exprs: [BExpr] = node.types.indices.map { .column($0, node.types[$0]) }
        return (PlanNode(.project(exprs), [node], names: names, types: node.types), names)
    }

    /// `VALUES (...), (...)`: each row's expressions are constants evaluated now; the columns
    /// are named col0, col1, ... (DuckDB's names) and typed by unifying the rows.
    func planValues(_ rows: [[Expr]]) throws(QueryError) -> PlanNode {
        let empty = Scope(tableName: nil, alias: nil, names: [], types: [])
        let width = rows.first?.count ?? 0
        var values = [[Value]](repeating: [], count: width)
        var types = [DataType](repeating: .null, count: width)
        for row in rows {
            for (c, e) in row.enumerated() {
                if containsAggregate(e) { throw QueryError("aggregate functions are not allowed in VALUES", offset: e.range.start) }
                let b = try bindScalar(e, empty)
                guard b.isConstant else { throw QueryError("VALUES items must be constants", offset: e.range.start) }
                types[c] = try unify(types[c], b.type, "VALUES column \(c + 1)")
                values[c].append(try constantValue(b))
            }
        }
        for c in 0..<width {
            for r in values[c].indices {
                let v = values[c][r]
                if v.isNull { continue }
                values[c][r] = try convertConstant(coerce(v, types[c]), to: types[c], rows[r][c])
            }
        }
        let names = (0..<width).map { "col\($0)" }
        let rel = Relation(ResultSet(names: names, types: types, columns: values))
        return PlanNode(.values(rel), [], names: names, types: types)
    }

    /// A view named in FROM, expanded: its kept SQL parsed and bound as a subquery with no
    /// outer CTEs in scope. Nil when `name` is not a view.
    func viewSource(_ name: String, _ from: TableRef) throws(QueryError) -> (PlanNode, Scope)? {
        guard let store, store.viewExists(name) else { return nil }
        let key = name.lowercased()
        let def: ViewDefinition
        do throws(StoreError) {
            guard let d = try store.view(name) else { return nil }
            def = d
        } catch { throw QueryError(error) }
        if expandingViews.contains(key) {
            throw QueryError("view '\(key)' refers to itself (through \(expandingViews.joined(separator: " -> ")))", offset: from.range.start)
        }
        let q: Query
        do throws(SQLError) { q = try parseQuery(def.sql) } catch {
            throw QueryError("view '\(key)' cannot be parsed: \(error.message)", offset: from.range.start, cause: error)
        }
        let savedCTEs = ctes
        ctes = [:]
        expandingViews.append(key)
        defer {
            ctes = savedCTEs
            expandingViews.removeLast()
        }
        var node: PlanNode
        do throws(QueryError) { node = try plan(q) } catch {
            var e = error
            if !e.message.hasPrefix("view '") { e.message = "view '\(key)' cannot be used: \(error.message)" }
            e.offset = from.range.start
            throw e
        }
        (node, _) = try Binder.rename(node, def.columns, what: "view '\(key)'", at: from.range.start)
        return (node, Scope(tableName: name, alias: from.alias, names: node.names, types: node.types))
    }

    /// `CAST(2.5 AS INTEGER)`: a number written as a decimal literal (or arithmetic of such
    /// literals without division) is a DECIMAL in DuckDB, whose conversion to an integer rounds
    /// half away from zero (2.5 -> 3, -2.5 -> -3); a DOUBLE value rounds half to even. The
    /// constant is rounded here; the cast then converts an integral value.
    func decimalCastOperand(_ b: BExpr, _ x: Expr, _ t: TypeName, isTry: Bool) throws(QueryError) -> BExpr {
        guard t == .integer || t == .bigint, b.type == .double, b.isConstant, Binder.isDecimalArithmetic(x) else { return b }
        guard case .double(let d) = try constantValue(b) else { return b }
        let r = d.rounded(.toNearestOrAwayFromZero)
        let (lo, hi) = t == .integer ? (Double(Int32.min), Double(Int32.max)) : (-9_223_372_036_854_775_808.0, 9_223_372_036_854_775_807.0)
        // the error names the value as written, not its rounding
        if !(r >= lo && r <= hi) || (t == .bigint && r == 9_223_372_036_854_775_808.0) {
            if isTry { return .literal(.null, .null) }
            var e = Checked.castOutOfRange("DOUBLE", Values.formatDouble(d), t == .integer ? "INTEGER" : "BIGINT")
            e.offset = x.range.start
            throw e
        }
        return .literal(.double(r), .double)
    }

    static func isDecimalArithmetic(_ e: Expr) -> Bool {
        switch e.kind {
        case .literal(.double), .literal(.integer): return true
        case .unary(.negate, let a): return isDecimalArithmetic(a)
        case .binary(.add, let a, let b), .binary(.subtract, let a, let b), .binary(.multiply, let a, let b):
            return isDecimalArithmetic(a) && isDecimalArithmetic(b)
        default: return false
        }
    }

    /// `a IS [NOT] DISTINCT FROM b`: `a <> b` where NULL equals NULL; never NULL.
    func distinctFrom(_ negated: Bool, _ a: BExpr, _ b: BExpr, _ ea: Expr, _ eb: Expr, _ at: Int) throws(QueryError) -> BExpr {
        let distinct: BExpr
        if a.type == .null && b.type == .null {
            distinct = .literal(.bool(false), .boolean)
        } else if a.type == .null {
            distinct = .isNull(b, negated: true)
        } else if b.type == .null {
            distinct = .isNull(a, negated: true)
        } else {
            let ne = try binary(.neq, a, b, ea, eb, at)
            let aNull: BExpr = .isNull(a, negated: false), bNull: BExpr = .isNull(b, negated: false)
            let aValue: BExpr = .isNull(a, negated: true), bValue: BExpr = .isNull(b, negated: true)
            distinct = .or([.and([aValue, bValue, ne]), .and([aNull, bValue]), .and([aValue, bNull])])
        }
        return negated ? .not(distinct) : distinct
    }
}

extension Evaluator {
    /// `CAST('2.5' AS BIGINT)` as DuckDB: a decimal number in text rounds half away from zero
    /// (`'2.5'` -> 3, `'-2.5'` -> -3, `'2.49'` -> 2), an exponent form is read as a double and
    /// rounded the same way. Nil when the text is not a number or the result is beyond BIGINT.
    static func decimalTextToInt64(_ text: String) -> Int64? {
        let s = text.trimmingCharacters(in: .whitespaces)
        var bytes = Array(s.utf8)
        guard !bytes.isEmpty else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        let isDigit = { (c: UInt8) in c >= 48 && c <= 57 }
        if bytes.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let d = Double(s), d.isFinite else { return nil }
            let r = d.rounded(.toNearestOrAwayFromZero)
            guard r >= -9_223_372_036_854_775_808.0 && r < 9_223_372_036_854_775_808.0 else { return nil }
            return Int64(r)
        }
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let whole = bytes[..<dot], frac = bytes[(dot + 1)...]
        guard whole.allSatisfy(isDigit), frac.allSatisfy(isDigit), !(whole.isEmpty && frac.isEmpty) else { return nil }
        var x: Int64 = 0
        for c in whole {
            let (m, o1) = x.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 48))
            guard !o1 && !o2 else { return nil }
            x = a
        }
        if let f = frac.first, f >= UInt8(ascii: "5") {
            let (a, o) = x.addingReportingOverflow(1)
            guard !o else { return nil }
            x = a
        }
        return negative ? -x : x
    }
}

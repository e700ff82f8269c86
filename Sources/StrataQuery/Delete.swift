import Foundation
import StrataCore
import StrataFormat
import StrataSQL
import StrataStore

/// Outcome of a DELETE: rows removed and segments rewritten, in one commit.
public struct DeleteSummary: Sendable, CustomStringConvertible {
    public var rowsRemoved = 0
    public var segmentsRewritten = 0
    public var segmentsDropped = 0
    public var filesDeleted = 0
    public var manifestVersion: UInt64?

    public var description: String {
        if rowsRemoved == 0 { return "deleted 0 rows (no segment holds a matching row)" }
        return "deleted \(rowsRemoved) rows: \(segmentsRewritten) segments rewritten, \(segmentsDropped) dropped, "
            + "\(filesDeleted) old files removed" + (manifestVersion.map { ", manifest version \($0)" } ?? "")
    }
}

extension QueryEngine {
    /// Removes the rows matching `predicate` (SQL text) from `table` by rewriting every segment
    /// that holds one, swapping them in one commit. With `purgeNow`, the replaced files are
    /// deleted at once when no reader is running (else after the grace period).
    public func delete(table name: String, where predicate: String, purgeNow: Bool = false) throws(EngineError) -> DeleteSummary {
        let expr: Expr
        do throws(SQLError) { expr = try parseExpression(predicate) } catch {
            throw EngineError(error, sql: predicate)
        }
        do throws(QueryError) { return try delete(table: name, predicate: expr, purgeNow: purgeNow) } catch {
            throw EngineError(error, sql: predicate)
        }
    }

    func delete(table name: String, predicate: Expr?, purgeNow: Bool) throws(QueryError) -> DeleteSummary {
        let t: Table
        do throws(StoreError) { t = try store.table(name) } catch { throw QueryError(error) }
        let deadline = Date().addingTimeInterval(QueryEngine.deleteRetrySeconds)
        var attempt = 0
        while true {
            attempt += 1
            do throws(StoreError) {
                return try deleteOnce(t, predicate, purgeNow: purgeNow, attempt: attempt)
            } catch where error.kind == .conflict && (attempt < 3 || Date() < deadline) {
                // a concurrent compaction, retention or delete replaced a segment: plan again
                usleep(UInt32(QueryEngine.deleteRetryPause(after: attempt) * 1e6))
                continue
            } catch where error.kind == .conflict {
                throw QueryError(StoreError(.conflict, "DELETE on '\(t.name)' gave up after \(attempt) attempts, each overtaken by a concurrent commit (\(error.message)); run it again when fewer writers are active", cause: error))
            } catch {
                throw QueryError(error)
            }
        }
    }

    private func deleteOnce(_ t: Table, _ predicate: Expr?, purgeNow: Bool, attempt: Int) throws(StoreError) -> DeleteSummary {
        let snap = try t.snapshot()
        defer { snap.close() }
        let def = snap.definition
        let executor = Executor(eval: Evaluator(timeZone: timeZone), threads: 1)
        let binder = Binder(store: store, eval: executor.eval)
        let scope = Scope(tableName: def.name, alias: nil, names: def.columns.map(\.name), types: def.columns.map { DataType($0.type) })
        var bound: BExpr?
        if let predicate {
            do throws(QueryError) {
                let b = try binder.bindScalar(predicate, scope)
                guard b.type == .boolean || b.type == .null else { throw QueryError("DELETE condition must be BOOLEAN, not \(b.type)") }
                bound = b
            } catch { throw StoreError(.user, error.message, cause: error) }
        }
        var summary = DeleteSummary()
        var staged: [Table.StagedSegment] = []
        var removed: [String] = []
        do {  // on an error, the files staged so far are removed with `staged`
            for seg in snap.segments where seg.rows > 0 {
                let reader = try snap.reader(seg)
                var cols: [Column] = []
                var vecs: [Vec?] = []
                for (i, c) in def.columns.enumerated() {
                    let col: Column
                    do throws(FormatError) { col = try reader.readColumn(i) } catch { throw StoreError(error) }
                    cols.append(col)
                    vecs.append(QueryEngine.vector(col, DataType(c.type)))
                }
                let keep: [Int32]
                if let bound {
                    let hits: [Int32]
                    do throws(QueryError) { hits = try executor.eval.select(bound, Batch(columns: vecs, count: reader.rowCount)) } catch {
                        throw StoreError(.user, error.message, cause: error)
                    }
                    if hits.isEmpty { continue }
                    var mark = [Bool](repeating: true, count: reader.rowCount)
                    for h in hits { mark[Int(h)] = false }
                    keep = (0..<Int32(reader.rowCount)).filter { mark[Int($0)] }
                } else {
                    keep = []
                }
                summary.rowsRemoved += reader.rowCount - keep.count
                removed.append(seg.id)
                if keep.isEmpty {
                    summary.segmentsDropped += 1
                } else {
                    let kept = keep.withUnsafeBufferPointer { p in cols.map { $0.gathered(p) } }
                    staged.append(try t.stageSegment(definition: def, columns: kept, partitionStart: seg.partitionStart, level: seg.level))
                    summary.segmentsRewritten += 1
                }
            }
            guard !removed.isEmpty else { return summary }
            snap.close()
            QueryEngine.beforeDeleteCommit?(attempt)
            let m = try t.commit(adding: staged, removing: removed)
            summary.manifestVersion = m?.version
        }
        summary.filesDeleted = t.collectGarbage(now: purgeNow, retiredImmediately: purgeNow).deletedFiles.count
        return summary
    }

    /// A whole column as one vector.
    static func vector(_ c: Column, _ t: DataType) -> Vec { FileScanSpec.vector(c, t, c.count) }
}

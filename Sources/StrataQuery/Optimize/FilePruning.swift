import Foundation
import StrataCore

/// Files left out before they are read: the conjuncts of a Filter directly over a file scan
/// (where PredicatePushdown leaves them) that use only `filename` and Hive partition columns
/// are evaluated once per file over those values; the files they reject are never opened.
/// The Filter stays (it also holds the other conjuncts, and a file's rows must still pass it).
enum FilePruning {
    static func apply(_ root: PlanNode, _ eval: Evaluator) -> PlanNode {
        Optimizer.forEachNode(root) { n in
            guard case .filter(let f) = n.op, case .files(let spec) = n.input.op else { return }
            spec.scanFilter = f
            let level = spec.fileLevelColumns
            let usable = f.conjuncts.filter { c in
                let cols = c.columns
                return !cols.isEmpty && cols.allSatisfy { level.contains($0) }
            }
            guard let filter = BExpr.all(usable) else { return }
            spec.fileFilter = filter
            // a filter the evaluator refuses here is left to the Filter above (no pruning)
            if let sel = try? eval.select(filter, spec.fileBatch()) { spec.kept = sel.map { Int($0) } }
        }
        return root
    }
}

extension FileScanSpec {
    /// A rough row count for join planning: ~100 bytes a row.
    var estimatedRows: Double {
        var bytes: Int64 = 0
        for f in kept.map({ $0.map { files[$0] } }) ?? files {
            var st = stat()
            if stat(f, &st) == 0 { bytes += Int64(st.st_size) }
        }
        return max(1, Double(bytes) / 100)
    }
}

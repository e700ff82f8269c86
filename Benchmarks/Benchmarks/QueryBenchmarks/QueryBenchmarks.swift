import Benchmark
import Foundation
import StrataCore
import StrataFormat
import StrataQuery
import StrataStore

/// Filter and group-by kernels through the engine on a generated table (small and large key
/// spaces), and segment write/read.
let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput], maxDuration: .seconds(3))
    let rows = 1_000_000
    let dir = NSTemporaryDirectory() + "strata-bench-\(getpid())"
    let store = try! Store(root: dir)
    let def = TableDefinition(name: "t", columns: [ColumnSchema(name: "ts", type: .timestamp), ColumnSchema(name: "k", type: .bigint),
                                                   ColumnSchema(name: "s", type: .varchar), ColumnSchema(name: "v", type: .double)],
                              timeColumn: "ts", granularity: .month, sortKey: ["k", "ts"])
    let table = try! store.createTable(def, ifNotExists: true)
    var dict = StringDictionary()
    for i in 0..<100_000 { dict.append(String(format: "%016llx", UInt64(i) &* 0x9E3779B97F4A7C15)) }
    let cols = [
        Column(.int64((0..<rows).map { 1_704_067_200_000_000 + Int64($0) * 10_000_000 })),
        Column(.int64((0..<rows).map { Int64($0 % 2000) })),
        Column(.string(codes: (0..<rows).map { UInt32(($0 &* 7919) % 100_000) }, dictionary: dict)),
        Column(.double((0..<rows).map { Double($0 % 1000) / 100 })),
    ]
    if (try? table.currentManifest().rowCount) == 0 {
        try! table.commit(adding: try! PartitionWriter.stage(table: table, definition: def, columns: cols))
    }
    let engine = try! QueryEngine(store: store)
    for (name, sql) in [
        ("filter+count", "SELECT count(*) FROM t WHERE k = 7 AND v > 1"),
        ("sum full column", "SELECT sum(v), sum(k) FROM t"),
        ("group by small key", "SELECT k % 10, count(*), sum(v) FROM t GROUP BY 1"),
        ("group by 2000 keys", "SELECT k, count(*) FROM t GROUP BY k"),
        ("group by 100k strings", "SELECT s, count(*) FROM t GROUP BY s"),
        ("count distinct", "SELECT count(DISTINCT s) FROM t"),
        ("hyperloglog", "SELECT approx_count_distinct(s) FROM t"),
    ] {
        Benchmark("query \(name) (1M rows)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try! engine.execute(sql)) }
        }
    }
    Benchmark("segment write 1M rows x 4 columns", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! SegmentWriter.encode(schema: def.columns, columns: cols, options: SegmentWriterOptions()))
        }
    }
    Benchmark("segment read 1M rows x 4 columns (all blocks, checksums)", configuration: config) { benchmark in
        let snap = try! table.snapshot()
        for _ in benchmark.scaledIterations {
            for seg in snap.segments {
                let r = try! snap.reader(seg)
                for c in 0..<4 { blackHole(try! r.readColumn(c).count) }
            }
        }
    }
}

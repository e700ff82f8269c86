import ArgumentParser
import Foundation
import StrataQuery

/// `--memory-limit` and `--timeout` of `strata query` (and its shell): the statements'
/// resource limits, as `SET memory_limit` and `SET statement_timeout` set them. Without the
/// flags, `$STRATA_MEMORY_LIMIT` and `$STRATA_TIMEOUT` are read; without those, the defaults
/// (80% of physical memory, no timeout).
struct LimitOptions: ParsableArguments {
    @Option(name: .long, help: "Memory a statement may use, e.g. 4GB, 512MB, 80% (default: $STRATA_MEMORY_LIMIT, else 80% of physical memory).")
    var memoryLimit: String?
    @Option(name: .long, help: "Stop a statement running longer than this, e.g. 30s, 500ms, 5min; a bare number is seconds (default: $STRATA_TIMEOUT, else none).")
    var timeout: String?

    func apply(to engine: QueryEngine) throws(CLIError) {
        let env = ProcessInfo.processInfo.environment
        do throws(QueryError) {
            if let m = memoryLimit ?? env["STRATA_MEMORY_LIMIT"].flatMap({ $0.isEmpty ? nil : $0 }) {
                try engine.limits.setMemoryLimit(m)
            }
            if let t = timeout ?? env["STRATA_TIMEOUT"].flatMap({ $0.isEmpty ? nil : $0 }) {
                try engine.limits.setStatementTimeout(t, bareUnit: 1)
            }
        } catch {
            throw CLIError.user(error.message.replacingOccurrences(of: "statement_timeout", with: "--timeout")
                .replacingOccurrences(of: "memory_limit", with: "--memory-limit"), cause: error)
        }
    }
}

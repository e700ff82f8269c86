import Foundation
import StrataQuery
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on stderr for long commands (`compact`, queries; `ingest` has
/// its `ProgressBar`; export/COPY can use it too): `[#####.....]  42%  text  ETA 3 s`,
/// redrawn at most five times a second, erased by `clear()` before the summary line.
/// Drawn only when `enabled(quiet:)`: stderr is a terminal and `--quiet` is not given
/// (`STRATA_PROGRESS=1` forces it on, for tests; `STRATA_PROGRESS=0` turns it off).
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var start = Date()
    private var last = Date.distantPast
    private var drawn = false

    static func enabled(quiet: Bool) -> Bool {
        if quiet { return false }
        switch ProcessInfo.processInfo.environment["STRATA_PROGRESS"] {
        case "1": return true
        case "0": return false
        default: return isatty(2) != 0
        }
    }

    init() {}

    /// Restarts the clock the ETA is measured from.
    func restart() {
        lock.lock()
        start = Date()
        lock.unlock()
    }

    /// Draws `text`, with a bar, percentage and ETA when `fraction` (0...1) is known.
    func draw(fraction: Double?, _ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.2 else { return }
        last = now
        FileHandle.standardError.write(("\r\u{1B}[K" + ProgressLine.render(fraction: fraction, text, elapsed: now.timeIntervalSince(start))).data(using: .utf8)!)
        drawn = true
    }

    /// The line's text (no control characters).
    static func render(fraction: Double?, _ text: String, elapsed: Double) -> String {
        guard let fraction else { return text }
        let f = min(1, max(0, fraction))
        let width = 30
        let filled = Int(f * Double(width))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + String(format: "%3.0f%%  ", f * 100) + text
        if f > 0.01 && f < 1 { line += "  ETA " + ProgressLine.seconds(elapsed * (1 - f) / f) }
        return line
    }

    static func seconds(_ s: Double) -> String {
        s < 60 ? String(format: "%.0f s", s) : String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60)
    }

    /// Erases the line (before a summary or a result is written).
    func clear() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
        drawn = false
        last = .distantPast
    }
}

/// `n` with thousands separators: 1234567 -> "1,234,567".
func grouped(_ n: Int) -> String {
    let s = String(n.magnitude)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// "1 partition", "2 partitions": `count` and the noun, plural unless it is 1.
func plural(_ count: Int, _ noun: String, _ plural: String? = nil) -> String {
    grouped(count) + " " + (count == 1 ? noun : plural ?? noun + "s")
}

/// Shows the progress of the statement running on `engine` once it has run for a second:
/// blocks scanned of the blocks to scan and rows read. A watcher thread polls the engine's
/// counters; `pause()` erases the line while a result is written, `resume()` starts the
/// next statement's clock.
final class QueryProgressDisplay: @unchecked Sendable {
    private let engine: QueryEngine
    private let line = ProgressLine()
    private let lock = NSLock()
    private var statementStart = Date()
    private var paused = false
    private var stopped = false
    private var thread: Thread?

    init(engine: QueryEngine) {
        self.engine = engine
    }

    func start() {
        let t = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                lock.lock()
                if stopped { lock.unlock(); return }
                let show = !paused && Date().timeIntervalSince(statementStart) >= 1
                lock.unlock()
                if show { draw() }
            }
        }
        thread = t
        t.start()
    }

    private func draw() {
        let p = engine.progress
        let secs = max(0.001, Date().timeIntervalSince(statementStart))
        var text: String
        var fraction: Double? = nil
        if p.loadBytesRead > 0 || p.loadRows > 0 {
            // COPY … FROM: bytes of the files read, rows parsed
            let read = p.loadBytesRead, total = p.loadBytesTotal
            let mb = { (b: Int) in String(format: "%.1f MB", Double(b) / 1_000_000) }
            text = "copy: " + (total > 0 ? "\(mb(min(read, total))) of \(mb(total)) read" : "\(mb(read)) read")
            text += ", \(plural(p.loadRows, "row")) parsed"
            if total > 0 { fraction = Double(min(read, total)) / Double(total) }
        } else {
            let total = p.blocksTotal, read = min(p.blocksRead, p.blocksTotal)
            let rows = p.rowsRead
            text = "query: " + (total > 0 ? "\(grouped(read)) of \(plural(total, "block")) scanned" : "running")
            if rows > 0 { text += ", \(plural(rows, "row")) read" }
            if total > 0 { fraction = Double(read) / Double(total) }
        }
        text += ", " + ProgressLine.seconds(secs)
        lock.lock()
        defer { lock.unlock() }
        if !paused && !stopped { line.draw(fraction: fraction, text) }
    }

    func pause() {
        lock.lock()
        paused = true
        line.clear()
        lock.unlock()
    }

    func resume() {
        lock.lock()
        paused = false
        statementStart = Date()
        line.restart()
        lock.unlock()
    }

    func stop() {
        lock.lock()
        stopped = true
        line.clear()
        lock.unlock()
    }
}

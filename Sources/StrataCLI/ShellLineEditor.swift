import CLineEdit
import Foundation
import StrataCore
#if canImport(Glibc)
import Glibc
#endif

/// The shell's line editor: libedit through CLineEdit (arrows, Ctrl-R, history in a file,
/// Tab completion). Created only for the interactive shell, so `strata query "SQL"` never
/// touches the terminal.
final class LineEditor {
    enum Input: Equatable {
        case line(String)
        /// Ctrl-C: the line being edited is dropped.
        case interrupted
        /// Ctrl-D on an empty line, or the end of input.
        case end
    }

    private let handle: OpaquePointer
    let completer: ShellCompleter

    /// The history file: `$STRATA_HISTORY` when set (empty: none), else `~/.strata_history`.
    static var historyPath: String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["STRATA_HISTORY"] { return p.isEmpty ? nil : p }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return home + "/.strata_history"
    }

    /// nil when libedit cannot set up the terminal.
    init?(completer: ShellCompleter, historyPath: String? = LineEditor.historyPath) {
        self.completer = completer
        setlocale(LC_CTYPE, "")
        let context = Unmanaged.passUnretained(completer).toOpaque()
        guard let h = strata_le_open("strata", historyPath, 2000, { ctx, line, erase, insert, list in
            guard let ctx, let line else { return }
            let completer = Unmanaged<ShellCompleter>.fromOpaque(ctx).takeUnretainedValue()
            let c = completer.complete(String(cString: line))
            erase?.pointee = Int32(c.erase)
            if let text = c.insert { insert?.pointee = strdup(text) }
            if !c.list.isEmpty { list?.pointee = strdup(ShellCompleter.listing(c.list, width: DisplayOptions.terminalWidth() ?? 80)) }
        }, context) else { return nil }
        handle = h
    }

    deinit { strata_le_close(handle) }

    /// Reads one line after `prompt`.
    func read(prompt: String) -> Input {
        var status: Int32 = 0
        guard let p = strata_le_gets(handle, prompt, &status) else { return status == 1 ? .interrupted : .end }
        defer { free(p) }
        return .line(String(cString: p))
    }

    /// Adds an entry to the history and writes the history file.
    func remember(_ entry: String) {
        _ = strata_le_add_history(handle, entry)
    }
}

/// The SIGINT handler of the shell: Ctrl-C raises the running statement's interruption
/// (the engine stops at its next check) and ends the line being edited at the prompt.
enum ShellSignals {
    nonisolated(unsafe) static var interruption: Interruption?

    static func install(_ interruption: Interruption) {
        ShellSignals.interruption = interruption
        strata_sigint_install { ShellSignals.interruption?.raise() }
    }

    static func restore() {
        strata_sigint_restore()
        interruption = nil
    }
}

// Errors raised by the input layer (opening, reading, decompressing, chunking).

/// An input-layer failure, naming the file and the reason.
///
/// `description` is ready to print, e.g. `cannot open 'x.csv': No such file or directory`
/// or `'x.gz': corrupt gzip stream (invalid block type)`.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Display name of the input (the path as given, or `<stdin>` for `-`).
    public let file: String
    /// Human-readable reason, without the file name.
    public let reason: String
    /// `true` when the failure happened while opening the file (`cannot open ...` form).
    public let isOpenFailure: Bool

    /// Creates an error for `file` with `reason`.
    public init(file: String, reason: String, isOpenFailure: Bool = false) {
        self.file = file
        self.reason = reason
        self.isOpenFailure = isOpenFailure
    }

    public var description: String {
        isOpenFailure ? "cannot open '\(file)': \(reason)" : "'\(file)': \(reason)"
    }
}

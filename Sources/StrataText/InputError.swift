// Errors raised by the input layer (opening, reading, decompressing, chunking).

/// An input-layer failure: what went wrong (`kind`), the file, the line where one applies,
/// and the reason.
///
/// `description` is ready to print, e.g. `cannot open 'x.csv': No such file or directory`,
/// `'x.gz': corrupt gzip stream (invalid block type)` or
/// `'x.csv': line 9: row exceeds the maximum row size of 268435456 bytes`.
/// The input layer is the lowest one: its errors have no lower-layer cause.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Failure classes.
    public enum Kind: Sendable, Equatable {
        /// The input could not be opened (missing, unreadable, a directory).
        case open
        /// Reading the open input failed.
        case read
        /// Compressed data that is corrupt, truncated, not of the format the name says, or that
        /// the decoder could not start on.
        case compression
        /// A row longer than the reader's maximum row size.
        case rowTooLong
        /// Lone CR (`\r`) line endings, which would read as one huge row.
        case loneCR
    }

    /// What went wrong.
    public let kind: Kind
    /// Display name of the input (the path as given, or `<stdin>` for `-`).
    public let file: String
    /// 1-based physical line the failure concerns (`rowTooLong`, `loneCR`), else `nil`.
    public let line: Int?
    /// Human-readable reason, without the file name and line.
    public let reason: String

    /// Creates an error of `kind` for `file` (at `line`) with `reason`.
    public init(_ kind: Kind, file: String, line: Int? = nil, reason: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `true` when the failure happened while opening the file (`cannot open ...` form).
    public var isOpenFailure: Bool { kind == .open }

    public var description: String {
        if isOpenFailure { return "cannot open '\(file)': \(reason)" }
        if let line { return "'\(file)': line \(line): \(reason)" }
        return "'\(file)': \(reason)"
    }
}

import StrataFormat

/// Errors of the store layer. `kind` maps to CLI exit codes: user errors 1, corruption 2,
/// anything else 3.
///
/// `message` is the text to print (it names the file where that helps); `path` is the file or
/// folder concerned when the code knows it, and `cause` the lower-layer error (a
/// `FormatError`) or the store error this one adds context to.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case user        // bad name, missing table, table exists, bad option
        case corrupt     // checksum mismatch, unreadable manifest or segment
        case io          // file system failure
        case locked      // writer lock not obtained in time
        case conflict    // a concurrent commit changed what this one depends on
        case cancelled   // stopped by an interruption (Ctrl-C) before its commit
    }

    public var kind: Kind
    public var message: String
    /// The file or folder the failure concerns, when known.
    public var path: String?
    /// The error this one came from, if any.
    public var cause: (any Error)?

    public init(_ kind: Kind, _ message: String, path: String? = nil, cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.cause = cause
    }

    public var description: String { message }

    public static func user(_ m: String) -> StoreError { StoreError(.user, m) }

    /// A segment or manifest file that could not be read or written: the format error's
    /// text, its path, and the format error itself as the cause.
    public init(_ e: FormatError) {
        let kind: Kind = switch e.kind {
        case .io: .io
        case .invalidArgument: .user
        case .corrupt, .truncated, .unsupportedVersion, .badMagic: .corrupt
        }
        self.init(kind, e.description, path: e.path, cause: e)
    }
}

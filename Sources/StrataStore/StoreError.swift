import StrataFormat

/// Errors of the store layer. `kind` maps to CLI exit codes: user errors 1, corruption 2,
/// anything else 3.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case user        // bad name, missing table, table exists, bad option
        case corrupt     // checksum mismatch, unreadable manifest or segment
        case io          // file system failure
        case locked      // writer lock not obtained in time
        case conflict    // a concurrent commit changed what this one depends on
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func user(_ m: String) -> StoreError { StoreError(.user, m) }

    public init(_ e: FormatError) {
        switch e.kind {
        case .io: self.init(.io, e.description)
        case .invalidArgument: self.init(.user, e.description)
        default: self.init(.corrupt, e.description)
        }
    }
}

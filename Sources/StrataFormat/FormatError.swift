/// A segment (or other Strata file) could not be read: corrupt, truncated, or of an unknown
/// version. Carries the file's path once known so every message names the file.
public struct FormatError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case corrupt
        case truncated
        case unsupportedVersion
        case badMagic
        case io
        case invalidArgument
    }

    public var kind: Kind
    public var message: String
    public var path: String?
    /// The error this one adds context to (a codec's error inside a page), if any. The format
    /// layer is the lowest one: it has no lower-layer cause.
    public var cause: (any Error)?

    public init(_ kind: Kind, _ message: String, path: String? = nil, cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.cause = cause
    }

    public func withPath(_ path: String) -> FormatError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }

    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }

    static func corrupt(_ message: String) -> FormatError { FormatError(.corrupt, message) }
}

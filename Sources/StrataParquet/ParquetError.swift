/// Why a Parquet file could not be read or written. Every error names the file and, where it
/// applies, the row group and column; messages never depend on unchecked input beyond that.
public struct ParquetError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Opening, reading, writing or renaming the file failed (errno text in the message).
        case io
        /// Not a Parquet file: too short or missing the `PAR1` magic.
        case notParquet
        /// Footer, page header or page contents are inconsistent (truncated, corrupt, CRC mismatch).
        case corrupt
        /// Valid Parquet that Strata does not read (nested columns, unknown codec or encoding,
        /// encrypted files, types without a Strata mapping).
        case unsupported
        /// The caller passed something inconsistent (wrong column count, type mismatch, index out of range).
        case invalidArgument
    }

    public var kind: Kind
    public var file: String
    public var rowGroup: Int?
    public var column: String?
    public var message: String

    public init(_ kind: Kind, _ message: String, file: String = "", rowGroup: Int? = nil, column: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.rowGroup = rowGroup
        self.column = column
    }

    static func corrupt(_ message: String) -> ParquetError { ParquetError(.corrupt, message) }
    static func unsupported(_ message: String) -> ParquetError { ParquetError(.unsupported, message) }

    /// The same error with missing context filled in.
    func with(file: String? = nil, rowGroup: Int? = nil, column: String? = nil) -> ParquetError {
        var e = self
        if e.file.isEmpty, let file { e.file = file }
        if e.rowGroup == nil { e.rowGroup = rowGroup }
        if e.column == nil { e.column = column }
        return e
    }

    public var description: String {
        var where_: [String] = []
        if !file.isEmpty { where_.append(file) }
        if let rowGroup { where_.append("row group \(rowGroup)") }
        if let column { where_.append("column '\(column)'") }
        let kindText: String
        switch kind {
        case .io: kindText = "I/O error"
        case .notParquet: kindText = "not a Parquet file"
        case .corrupt: kindText = "corrupt Parquet file"
        case .unsupported: kindText = "unsupported Parquet feature"
        case .invalidArgument: kindText = "invalid argument"
        }
        return (where_.isEmpty ? "" : where_.joined(separator: ", ") + ": ") + kindText + ": " + message
    }
}

/// `Array.withUnsafeBytes` with a typed-throwing body (the standard one rethrows untyped).
@inline(__always)
func withBytes<R>(_ a: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ParquetError) -> R) throws(ParquetError) -> R {
    var failure: ParquetError?
    let r: R? = a.withUnsafeBytes { b in
        do throws(ParquetError) { return try body(b) } catch { failure = error; return nil }
    }
    if let failure { throw failure }
    return r!
}

/// `Array.withUnsafeMutableBytes` with a typed-throwing body.
@inline(__always)
func withMutableBytes<R>(_ a: inout [UInt8], _ body: (UnsafeMutableRawBufferPointer) throws(ParquetError) -> R) throws(ParquetError) -> R {
    var failure: ParquetError?
    let r: R? = a.withUnsafeMutableBytes { b in
        do throws(ParquetError) { return try body(b) } catch { failure = error; return nil }
    }
    if let failure { throw failure }
    return r!
}

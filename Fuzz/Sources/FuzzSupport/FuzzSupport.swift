import CFuzzDriver
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Shared plumbing of the fuzz targets: a per-process scratch folder in /dev/shm (memory, not
/// disk), the input written to a file, a byte reader that turns the input into choices.
public enum Fuzz {
    /// `/dev/shm/strata-fuzz-<pid>` (created once, removed at exit).
    public static let scratch: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let dir = "\(base)/strata-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fuzz.scratch) }
        return dir
    }()

    /// Writes `bytes` to `scratch/name` and returns the path.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, name: String) -> String {
        let path = scratch + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            precondition(n > 0)
            off += n
        }
        close(fd)
        return path
    }

    @discardableResult
    public static func write(_ bytes: [UInt8], name: String) -> String {
        bytes.withUnsafeBytes { write($0, name: name) }
    }

    /// Removes and recreates `scratch/name` as an empty folder.
    public static func freshDirectory(_ name: String) -> String {
        let path = scratch + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Fails the run (libFuzzer reports it as a crash with the input) with `message`.
    public static func fail(_ message: String) -> Never {
        fputs("FUZZ CHECK FAILED: \(message)\n", stderr)
        abort()
    }
}

/// Consumes an input from the front: small choices first, the rest is the payload.
public struct FuzzBytes {
    public let bytes: [UInt8]
    public var position = 0
    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    }
    /// The next byte, 0 when the input is used up.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }
    /// The unread bytes.
    public var rest: ArraySlice<UInt8> { bytes[min(position, bytes.count)...] }
}

/// Runs libFuzzer with the process's arguments on `callback` (see CFuzzDriver).
public func runFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                      _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One scratch directory per test process (`$TMPDIR/strata-tests-PID/`), removed when the
/// process exits, so that test runs do not leave stores behind in the temporary directory.
public enum TestScratch {
    /// The directory, with a trailing slash; created on first use.
    public static let root: String = {
        let dir = NSTemporaryDirectory() + (NSTemporaryDirectory().hasSuffix("/") ? "" : "/") + "strata-tests-\(getpid())/"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestScratch.root) }
        return dir
    }()
}

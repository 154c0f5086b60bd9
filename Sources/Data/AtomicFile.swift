import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that readers never see half of one: the bytes go to a uniquely named temporary file in
/// the destination's folder, which is then renamed over the destination (atomic on one file system).
/// Checkpoints, region caches, `.npy` outputs and pictures all use it.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating the folder if needed. On failure the temporary file is
    /// removed and the error names the destination.
    public static func write(_ data: Foundation.Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw AtomicFileError(url: url, reason: "cannot rename the temporary file: \(String(cString: strerror(errno)))")
            }
        } catch let e as AtomicFileError {
            try? FileManager.default.removeItem(at: temporary)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw AtomicFileError(url: url, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}

/// A file that could not be written, with its path and the reason.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let url: URL
    public let reason: String
    public var description: String { "\(url.path): \(reason)" }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Set by SIGINT / SIGTERM once ``StopSignal/install()`` ran; the training loop checks it after every update,
/// writes a checkpoint and returns. A second signal ends the process at once.
public enum StopSignal {
    static let requested = Atomic<Bool>(false)

    public static var isRequested: Bool { requested.load(ordering: .relaxed) }

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { sig in
            if StopSignal.requested.exchange(true, ordering: .relaxed) { _exit(128 + sig) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// For tests: request or clear a stop.
    public static func set(_ value: Bool) { requested.store(value, ordering: .relaxed) }
}

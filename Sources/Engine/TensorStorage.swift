/// The heap buffer behind a ``Tensor``: `count` Float32 values, 64-byte aligned.
///
/// Shared between tensor values until one of them writes (copy-on-write, as swift-nio's `ByteBuffer`).
final class TensorStorage: @unchecked Sendable {
    let count: Int
    let base: UnsafeMutablePointer<Float>

    init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    /// A zero-filled buffer.
    static func zeros(_ count: Int) -> TensorStorage {
        let s = TensorStorage(count: count)
        s.base.initialize(repeating: 0, count: count)
        return s
    }

    func copy() -> TensorStorage {
        let s = TensorStorage(count: count)
        s.base.update(from: base, count: count)
        return s
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}

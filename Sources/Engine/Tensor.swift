/// A dense, row-major Float32 array with value semantics and optional reverse-mode autodiff.
///
/// Storage is copy-on-write: copies are free until one of them is written. A tensor that takes part in
/// differentiation carries a graph node (see ``Tensor/watched()`` and ``Tensor/backward()``).
///
/// Dimension letters used in shape comments across the project: `B` batch, `N` tokens incl. cls,
/// `L` patches, `K` kept, `C` width, `H` heads, `D` head dim, `P` patch, `R` regions.
public struct Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    var storage: TensorStorage
    var node: GraphNode?

    init(shape: [Int], storage: TensorStorage, node: GraphNode? = nil) {
        precondition(Shape.count(shape) == storage.count,
                     "Tensor: shape \(shape) needs \(Shape.count(shape)) elements, storage has \(storage.count)")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// A tensor of the given shape holding `values` in row-major order.
    public init(shape: [Int], _ values: [Float]) {
        precondition(values.count == Shape.count(shape),
                     "Tensor(shape:): shape \(shape) needs \(Shape.count(shape)) values, got \(values.count)")
        let s = TensorStorage(count: values.count)
        values.withUnsafeBufferPointer { s.base.update(from: $0.baseAddress!, count: values.count) }
        self.init(shape: shape, storage: s)
    }

    /// A rank-0 tensor.
    public init(_ scalar: Float) { self.init(shape: [], [scalar]) }

    /// All zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: .zeros(Shape.count(shape)))
    }

    /// Every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let s = TensorStorage(count: Shape.count(shape))
        s.base.initialize(repeating: value, count: s.count)
        return Tensor(shape: shape, storage: s)
    }

    /// All ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// A tensor whose elements are produced by `body` writing into uninitialised storage.
    static func make(_ shape: [Int], _ body: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let s = TensorStorage(count: Shape.count(shape))
        body(s.base)
        return Tensor(shape: shape, storage: s)
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.base[0]
    }

    /// Element at a full multi-index.
    public subscript(_ index: Int...) -> Float {
        get { storage.base[offset(index)] }
        set {
            makeUnique()
            storage.base[offset(index)] = newValue
        }
    }

    func offset(_ index: [Int]) -> Int {
        precondition(index.count == rank, "subscript: \(index.count) indices for shape \(shape)")
        var o = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "subscript: index \(index) out of range for shape \(shape)")
            o = o * d + i
        }
        return o
    }

    /// Read-only access to the elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// Write access to the elements (copies the storage first if it is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Pointer for kernels that only read.
    var ptr: UnsafeMutablePointer<Float> { storage.base }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

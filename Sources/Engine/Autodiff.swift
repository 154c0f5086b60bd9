/// Reverse-mode automatic differentiation.
///
/// Every differentiable op computes its value with a kernel and records a pullback right below it
/// (`Tensor.record`). The graph is a DAG of ``GraphNode``s referenced from the tensors; ``Tensor/backward()``
/// sorts it topologically, runs the pullbacks in reverse order, accumulates gradients where a value is
/// used more than once (`+=`, never `=`), keeps the gradients of leaves only, and releases each node (its pullback
/// and the tensors saved for it) as soon as its pullback has run.

/// One value in the graph: its parents, its pullback, and (for leaves) its accumulated gradient.
final class GraphNode: @unchecked Sendable {
    var parents: [GraphNode?]
    var pullback: ((Tensor) -> [Tensor?])?
    var grad: Tensor?
    let isLeaf: Bool
    /// The function that recorded this value (for ``Profiler``).
    let op: StaticString
    /// Leaves only: receives the leaf's complete gradient (nil when none reached it) as soon as the last op
    /// that uses the leaf has run its pullback, instead of keeping it (see ``Tensor/onCompleteGradient(_:)``).
    var onComplete: ((Tensor?) -> Void)?
    /// During ``Tensor/backward(seed:)``: uses of this leaf whose pullbacks have not run yet.
    var pending = 0

    init(parents: [GraphNode?], pullback: ((Tensor) -> [Tensor?])?, isLeaf: Bool, op: StaticString = "leaf") {
        self.parents = parents
        self.pullback = pullback
        self.isLeaf = isLeaf
        self.op = op
    }

    /// Runs the pullback on `g` and accumulates the input gradients into the parents.
    func propagate(_ pullback: (Tensor) -> [Tensor?], _ g: Tensor) {
        let grads = pullback(g)
        precondition(grads.count == parents.count,
                     "backward: pullback returned \(grads.count) gradients for \(parents.count) inputs")
        for (p, gp) in zip(parents, grads) {
            if let p, let gp { p.accumulate(gp.detached()) }
        }
    }

    /// Hands the gradient to ``onComplete`` (once) and forgets it.
    func complete() {
        guard let hook = onComplete else { return }
        onComplete = nil
        let g = grad
        grad = nil
        hook(g)
    }

    /// One use of this (hooked) leaf is done; the last one completes it.
    @inline(__always) func useDone() {
        guard onComplete != nil else { return }
        pending -= 1
        if pending == 0 { complete() }
    }

    func accumulate(_ g: Tensor) {
        if grad == nil {
            grad = g
        } else {
            grad!.addInPlace(g)
        }
    }
}

/// Whether ops record the graph. Off inside ``withoutGradient(_:)``.
public enum GradMode {
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` with graph recording off (inference): no op records a pullback, no memory is kept for backward.
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

extension Tensor {
    /// True when this value is differentiated (a watched leaf or computed from one).
    public var requiresGrad: Bool { node != nil }

    /// A copy of this value that is a leaf of the graph: its gradient is kept after ``backward()``.
    public func watched() -> Tensor {
        var t = self
        t.node = GraphNode(parents: [], pullback: nil, isLeaf: true)
        return t
    }

    /// The same values, cut from the graph.
    public func detached() -> Tensor {
        var t = self
        t.node = nil
        return t
    }

    /// The gradient accumulated into this leaf by ``backward()``; nil when none reached it.
    public var grad: Tensor? { node?.grad }

    /// For a watched leaf: `body` receives its complete gradient during ``backward()``, as soon as every op that
    /// uses the leaf has run its pullback (nil when no gradient reached it), and the leaf keeps none. Lets an
    /// optimizer update a parameter while the backward pass is still running below it.
    public func onCompleteGradient(_ body: @escaping (Tensor?) -> Void) {
        precondition(node?.isLeaf == true, "onCompleteGradient: only for watched leaves")
        node!.onComplete = body
    }

    /// Records `value` as the result of an op on `inputs` with the given pullback.
    ///
    /// The pullback maps d(loss)/d(value) to one gradient per input (nil where an input does not need one);
    /// each returned gradient must have its input's shape. Nothing is recorded in no-grad mode or when no
    /// input is differentiated.
    static func record(_ value: Tensor, inputs: [Tensor], op: StaticString = #function,
                       pullback: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        if Profiler.isEnabled { Profiler.forward(op) }
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return value }
        var out = value
        out.node = GraphNode(parents: inputs.map(\.node), pullback: pullback, isLeaf: false, op: op)
        return out
    }

    /// Back-propagates from this scalar (any one-element tensor): d(self)/d(self) = 1.
    public func backward() {
        precondition(count == 1, "backward: needs a one-element tensor, got shape \(shape)")
        backward(seed: .full(shape, 1))
    }

    /// Back-propagates a given output gradient (same shape as this tensor).
    public func backward(seed: Tensor) {
        precondition(seed.shape == shape, "backward: seed shape \(seed.shape) differs from value shape \(shape)")
        guard let root = node else { return }
        // Iterative depth-first topological order (deep ViTs would overflow a recursive walk).
        var order: [GraphNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GraphNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (n, i) = stack.popLast() {
            if i < n.parents.count {
                stack.append((n, i + 1))
                if let p = n.parents[i], visited.insert(ObjectIdentifier(p)).inserted {
                    stack.append((p, 0))
                }
            } else {
                order.append(n)
            }
        }
        // Uses of hooked leaves, so each can be completed right after its last use.
        var hooked: [GraphNode] = []
        for n in order {
            for case let p? in n.parents where p.isLeaf && p.onComplete != nil {
                if p.pending == 0 { hooked.append(p) }
                p.pending += 1
            }
        }
        root.accumulate(seed.detached())
        let profiling = Profiler.isEnabled
        withoutGradient {
            for n in order.reversed() {
                guard let pullback = n.pullback, let g = n.grad else {
                    if !hooked.isEmpty { for case let p? in n.parents { p.useDone() } }
                    continue
                }
                if profiling {
                    Profiler.backward(n.op) { n.propagate(pullback, g) }
                } else {
                    n.propagate(pullback, g)
                }
                if !hooked.isEmpty { for case let p? in n.parents { p.useDone() } }
                // Done with this node: drop its gradient and, as PyTorch does without retain_graph, the
                // pullback and with it the tensors saved for backward, so activations are freed as the
                // backward pass moves down the graph instead of all at its end.
                if !n.isLeaf {
                    n.grad = nil
                    n.pullback = nil
                    n.parents = []
                }
            }
        }
        for leaf in hooked { leaf.pending = 0; leaf.complete() }   // (a leaf the seed reached directly, if any)
        // Release the rest of the graph (nodes no gradient reached).
        for n in order where !n.isLeaf {
            n.pullback = nil
            n.parents = []
            n.grad = nil
        }
    }
}

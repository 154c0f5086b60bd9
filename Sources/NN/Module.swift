@_exported import Engine

/// A differentiable model part whose trainable tensors are visited under their PyTorch `state_dict` keys.
///
/// Modules are structs: `var` parameters, `let` configuration. A copy is a snapshot. Never evaluate the
/// model inside ``forEachParameter(prefix:_:)`` (Swift's exclusivity rules forbid it); use
/// ``Module/namedParameters()`` and ``Module/loading(_:)`` instead.
public protocol Module {
    /// Visits every trainable tensor once, in a stable order, with its full PyTorch key (`prefix` + own key).
    mutating func forEachParameter(prefix: String, _ body: (String, inout Tensor) throws -> Void) rethrows
}

/// A problem when loading parameters into a module.
public struct ParameterLoadingError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

extension Module {
    /// Every trainable tensor with its key, in visiting order.
    public func namedParameters() -> [(name: String, value: Tensor)] {
        var copy = self
        var out: [(String, Tensor)] = []
        copy.forEachParameter(prefix: "") { name, t in out.append((name, t)) }
        return out
    }

    /// Number of trainable elements.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.value.count } }

    /// A copy with every parameter replaced from `parameters` by key. Shapes must match. With `strict`,
    /// a parameter missing from the dictionary is an error (extra keys are the caller's business).
    public func loading(_ parameters: [String: Tensor], strict: Bool = true) throws -> Self {
        var copy = self
        try copy.forEachParameter(prefix: "") { name, t in
            guard let new = parameters[name] else {
                if strict { throw ParameterLoadingError(description: "missing parameter '\(name)' (shape \(t.shape))") }
                return
            }
            guard new.shape == t.shape else {
                throw ParameterLoadingError(description: "parameter '\(name)': shape \(new.shape), expected \(t.shape)")
            }
            t = new.detached()
        }
        return copy
    }

    /// A copy whose parameters are watched leaves of the autodiff graph.
    public func watchingParameters() -> Self {
        var copy = self
        copy.forEachParameter(prefix: "") { _, t in t = t.watched() }
        return copy
    }

    /// The gradients accumulated into a ``watchingParameters()`` copy by `backward()`, by key. A parameter
    /// that did not influence the loss gets zeros.
    public func parameterGradients() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in namedParameters() { out[name] = t.grad ?? .zeros(t.shape) }
        return out
    }
}

/// Evaluates `f` at `model` and differentiates it with respect to every parameter.
/// - Returns: the (detached) scalar value and d(value)/d(parameter) by key.
public func valueWithGradient<M: Module>(at model: M, _ f: (M) -> Tensor) -> (value: Tensor, gradient: [String: Tensor]) {
    let watched = model.watchingParameters()
    let value = f(watched)
    value.backward()
    return (value.detached(), watched.parameterGradients())
}

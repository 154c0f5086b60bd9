#if canImport(Glibc)
import Glibc
#endif

// MARK: - Tensor ∘ Tensor with broadcasting

extension Tensor {
    /// Elementwise sum with NumPy broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.add, a, b, op: "add")
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? Kernels.sumToShape(g, a.shape) : nil,
             b.requiresGrad ? Kernels.sumToShape(g, b.shape) : nil]
        }
    }

    /// Elementwise difference with NumPy broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.sub, a, b, op: "sub")
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? Kernels.sumToShape(g, a.shape) : nil,
             b.requiresGrad ? Kernels.sumToShape(Kernels.map(g, .affine(-1, 0)), b.shape) : nil]
        }
    }

    /// Elementwise product with NumPy broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.mul, a, b, op: "mul")
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? Kernels.sumToShape(Kernels.binary(.mul, g, b, op: "mul"), a.shape) : nil,
             b.requiresGrad ? Kernels.sumToShape(Kernels.binary(.mul, g, a, op: "mul"), b.shape) : nil]
        }
    }

    /// Elementwise quotient with NumPy broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.div, a, b, op: "div")
        return record(out, inputs: [a, b]) { g in
            // d/da = g / b ; d/db = -g * a / b² = -g * out / b
            let ga = Kernels.binary(.div, g, b, op: "div")
            return [a.requiresGrad ? Kernels.sumToShape(ga, a.shape) : nil,
                    b.requiresGrad
                        ? Kernels.sumToShape(Kernels.map(Kernels.binary(.mul, ga, out, op: "mul"), .affine(-1, 0)), b.shape)
                        : nil]
        }
    }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor { x * -1 }
}

// MARK: - Tensor ∘ scalar

extension Tensor {
    public static func + (x: Tensor, s: Float) -> Tensor {
        record(Kernels.map(x, .affine(1, s)), inputs: [x]) { g in [g] }
    }
    public static func + (s: Float, x: Tensor) -> Tensor { x + s }
    public static func - (x: Tensor, s: Float) -> Tensor { x + (-s) }
    public static func - (s: Float, x: Tensor) -> Tensor {
        record(Kernels.map(x, .affine(-1, s)), inputs: [x]) { g in [Kernels.map(g, .affine(-1, 0))] }
    }
    public static func * (x: Tensor, s: Float) -> Tensor {
        record(Kernels.map(x, .affine(s, 0)), inputs: [x]) { g in [Kernels.map(g, .affine(s, 0))] }
    }
    public static func * (s: Float, x: Tensor) -> Tensor { x * s }
    public static func / (x: Tensor, s: Float) -> Tensor {
        record(Kernels.map(x, .divide(s)), inputs: [x]) { g in [Kernels.map(g, .divide(s))] }
    }
    public static func / (s: Float, x: Tensor) -> Tensor {
        let out = Kernels.map(x, .reciprocal(s))
        return record(out, inputs: [x]) { g in
            [Kernels.binary(.negDiv, Kernels.binary(.mul, g, out, op: "mul"), x, op: "negDiv")]
        }
    }
}

// MARK: - Unary maths

extension Tensor {
    /// e^x.
    public func exp() -> Tensor {
        let out = Kernels.map(self, .exp)
        return Tensor.record(out, inputs: [self]) { g in [Kernels.binary(.mul, g, out, op: "exp")] }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        let x = self
        return Tensor.record(Kernels.map(self, .log), inputs: [self]) { g in
            [Kernels.binary(.div, g, x, op: "log")]
        }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        let out = Kernels.map(self, .sqrt)
        return Tensor.record(out, inputs: [self]) { g in [Kernels.binary(.sqrtBackward, g, out, op: "sqrt")] }
    }

    /// x².
    public func squared() -> Tensor {
        let x = self
        return Tensor.record(Kernels.map(self, .square), inputs: [self]) { g in
            [Kernels.binary(.squareBackward, g, x, op: "squared")]
        }
    }

    /// Broadcasts to `shape` (NumPy rules); the pullback sums back.
    public func broadcasted(to shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        let out = Kernels.binary(.add, Tensor.zeros(shape), self, op: "broadcasted(to:)")
        precondition(out.shape == shape, "broadcasted(to:): shape \(self.shape) does not broadcast to \(shape)")
        let s = self.shape
        return Tensor.record(out, inputs: [self]) { g in [Kernels.sumToShape(g, s)] }
    }
}

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Tensor ∘ Tensor with broadcasting

extension Tensor {
    /// Elementwise sum with NumPy broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.add, a, b, op: "add")
        // The pullback keeps the shapes, not the operands: a residual branch's output is freed after the add.
        return record(out, inputs: [a, b]) { [sa = a.shape, sb = b.shape, ra = a.requiresGrad, rb = b.requiresGrad] g in
            [ra ? Kernels.sumToShape(g, sa) : nil,
             rb ? Kernels.sumToShape(g, sb) : nil]
        }
    }

    /// Elementwise difference with NumPy broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.sub, a, b, op: "sub")
        return record(out, inputs: [a, b]) { [sa = a.shape, sb = b.shape, ra = a.requiresGrad, rb = b.requiresGrad] g in
            [ra ? Kernels.sumToShape(g, sa) : nil,
             rb ? Kernels.sumToShape(Kernels.map(g, .affine(-1, 0)), sb) : nil]
        }
    }

    /// Elementwise product with NumPy broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.mul, a, b, op: "mul")
        // Each operand is kept only when the other one's gradient needs it.
        return record(out, inputs: [a, b]) { [sa = a.shape, sb = b.shape, keepA = b.requiresGrad ? a : nil,
                                              keepB = a.requiresGrad ? b : nil] g in
            [keepB.map { Kernels.sumToShape(Kernels.binary(.mul, g, $0, op: "mul"), sa) },
             keepA.map { Kernels.sumToShape(Kernels.binary(.mul, g, $0, op: "mul"), sb) }]
        }
    }

    /// Elementwise quotient with NumPy broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = Kernels.binary(.div, a, b, op: "div")
        return record(out, inputs: [a, b]) { [sa = a.shape, ra = a.requiresGrad, keepOut = b.requiresGrad ? out : nil] g in
            // d/da = g / b ; d/db = -g * a / b² = -g * out / b
            let ga = Kernels.binary(.div, g, b, op: "div")
            return [ra ? Kernels.sumToShape(ga, sa) : nil,
                    keepOut.map { Kernels.sumToShape(Kernels.map(Kernels.binary(.mul, ga, $0, op: "mul"), .affine(-1, 0)), b.shape) }]
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

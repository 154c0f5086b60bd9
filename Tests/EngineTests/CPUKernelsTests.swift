@preconcurrency import CKernels
@testable import Engine
import Foundation
import Testing
import TestSupport

/// The C kernels of every instruction-set level this machine runs, against the baseline level and against
/// plain double-precision references. (`RMAE_ISA` picks the level training uses; these tests run them all.)
@Suite struct CPUKernelsTests {
    static let levels = CPUKernels.supportedLevels
    nonisolated(unsafe) static let baseline = CPUKernels.table("baseline")!

    static func random(_ n: Int, scale: Float = 1, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed, stream: .test)
        return (0..<n).map { _ in (rng.uniform() * 2 - 1) * scale }
    }

    @Test func levelsAreDetected() {
        #expect(Self.levels.first == "baseline")
        #expect(Self.levels.contains(CPUKernels.isa))
    }

    @Test(arguments: levels)
    func elementwiseFunctions(level: String) throws {
        let k = try #require(CPUKernels.table(level))
        let n = 1003   // not a multiple of any vector width: tails included
        let x = Self.random(n, scale: 8, seed: 1)
        var y = [Float](repeating: 0, count: n), slope = y, reference = y
        k.exp(x, &y, n)
        expectClose(y, x.map { Float(Foundation.exp(Double($0))) }, atol: 0, rtol: 3e-7, "\(level) exp")
        let positive = x.map { abs($0) + 1e-3 }
        k.log(positive, &y, n)
        expectClose(y, positive.map { Float(Foundation.log(Double($0))) }, atol: 3e-7, rtol: 3e-7, "\(level) log")
        k.sigmoid(x, &y, n)
        expectClose(y, x.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }, atol: 1e-7, rtol: 3e-7, "\(level) sigmoid")
        k.gelu_slope(x, &y, &slope, n)
        let cdf = x.map { 0.5 * (1 + erf(Double($0) / 2.squareRoot())) }
        expectClose(y, zip(x, cdf).map { Float(Double($0) * $1) }, atol: 1e-6, rtol: 0, "\(level) gelu")
        expectClose(slope, zip(x, cdf).map { x, c in Float(c + Double(x) * Foundation.exp(-Double(x) * Double(x) / 2) / (2 * Double.pi).squareRoot()) },
                    atol: 1e-6, rtol: 0, "\(level) gelu slope")
        k.gelu(x, &reference, n)
        #expect(reference == y, "\(level): gelu and gelu_slope give the same values")
        // Every level against the baseline.
        for (name, f) in [("exp", k.exp), ("gelu", k.gelu), ("sigmoid", k.sigmoid)] {
            let g: @convention(c) (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void =
                name == "exp" ? Self.baseline.exp : name == "gelu" ? Self.baseline.gelu : Self.baseline.sigmoid
            f(x, &y, n); g(x, &reference, n)
            expectClose(y, reference, atol: 1e-6, rtol: 1e-6, "\(level) \(name) vs baseline")
        }
    }

    @Test(arguments: levels)
    func binaryCrossEntropy(level: String) throws {
        let k = try #require(CPUKernels.table(level))
        let n = 517
        let z = Self.random(n, scale: 30, seed: 2), g = Self.random(n, seed: 3)
        let t = Self.random(n, seed: 4).map { $0 > 0 ? Float(1) : 0 }, w = Self.random(n, seed: 5).map { abs($0) }
        var loss = [Float](repeating: 0, count: n), sig = loss, d = loss
        k.bce(z, t, w, &loss, &sig, n)
        let expected = (0..<n).map { i -> Float in
            let zi = Double(z[i])
            return Float((max(zi, 0) - zi * Double(t[i]) + Foundation.log1p(Foundation.exp(-abs(zi)))) * Double(w[i]))
        }
        expectClose(loss, expected, atol: 1e-6, rtol: 1e-6, "\(level) bce")
        k.bce_backward(g, sig, t, nil, &d, n)
        let dRef = (0..<n).map { i -> Float in
            let sigma: Double = 1 / (1 + Foundation.exp(-Double(z[i])))
            return Float((sigma - Double(t[i])) * Double(g[i]))
        }
        expectClose(d, dRef, atol: 1e-6, rtol: 1e-5, "\(level) bce backward")
    }

    @Test(arguments: levels)
    func layerNormAndSoftmax(level: String) throws {
        let k = try #require(CPUKernels.table(level))
        let (rows, cols) = (7, 37)
        let x = Self.random(rows * cols, scale: 3, seed: 6), w = Self.random(cols, seed: 7), b = Self.random(cols, seed: 8)
        let g = Self.random(rows * cols, seed: 9)
        var out = [Float](repeating: 0, count: rows * cols), mean = [Float](repeating: 0, count: rows), rstd = mean
        k.layernorm_forward(x, w, b, rows, cols, 1e-6, &out, &mean, &rstd)
        var expected = [Float](), dxRef = [Float](), dwRef = [Double](repeating: 0, count: cols), dbRef = dwRef
        for r in 0..<rows {
            let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let mu = row.reduce(0, +) / Double(cols)
            let rs = 1 / ((row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(cols)) + 1e-6).squareRoot()
            let xh = row.map { ($0 - mu) * rs }
            expected += (0..<cols).map { Float(xh[$0] * Double(w[$0]) + Double(b[$0])) }
            let gh = (0..<cols).map { Double(g[r * cols + $0]) * Double(w[$0]) }
            let mg = gh.reduce(0, +) / Double(cols), mgx = zip(gh, xh).map(*).reduce(0, +) / Double(cols)
            dxRef += (0..<cols).map { Float(rs * (gh[$0] - mg - xh[$0] * mgx)) }
            for j in 0..<cols { dwRef[j] += Double(g[r * cols + j]) * xh[j]; dbRef[j] += Double(g[r * cols + j]) }
        }
        expectClose(out, expected, atol: 2e-6, rtol: 0, "\(level) layernorm")
        var dx = [Float](repeating: 0, count: rows * cols), dw = [Double](repeating: 0, count: cols), db = dw
        k.layernorm_backward(g, x, w, mean, rstd, rows, cols, &dx, &dw, &db)
        expectClose(dx, dxRef, atol: 1e-5, rtol: 0, "\(level) layernorm dx")
        expectClose(dw.map(Float.init), dwRef.map(Float.init), atol: 1e-5, rtol: 0, "\(level) layernorm dweight")
        expectClose(db.map(Float.init), dbRef.map(Float.init), atol: 1e-5, rtol: 0, "\(level) layernorm dbias")

        var s = x, lse = [Float](repeating: 0, count: rows)
        k.softmax_rows(&s, rows, cols, cols, &lse)
        for r in 0..<rows {
            let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let m = row.max()!, z = row.map { Foundation.exp($0 - m) }.reduce(0, +)
            expectClose(Array(s[(r * cols)..<((r + 1) * cols)]), row.map { Float(Foundation.exp($0 - m) / z) }, atol: 1e-7, rtol: 1e-6, "\(level) softmax")
            #expect(abs(Double(lse[r]) - (m + Foundation.log(z))) < 1e-5)
        }
        var d = [Float](repeating: 0, count: rows * cols)
        k.softmax_backward_rows(s, g, &d, rows, cols)
        let ref = (0..<(rows * cols)).map { i -> Float in
            let r = i / cols
            let dot = (0..<cols).map { Double(g[r * cols + $0]) * Double(s[r * cols + $0]) }.reduce(0, +)
            return Float(Double(s[i]) * (Double(g[i]) - dot))
        }
        expectClose(d, ref, atol: 1e-7, rtol: 1e-5, "\(level) softmax backward")
    }

    @Test(arguments: levels)
    func sumsAndAdamW(level: String) throws {
        let k = try #require(CPUKernels.table(level))
        let (rows, cols) = (70, 45)
        let x = Self.random(rows * cols, seed: 10)
        var sums = [Float](repeating: 0, count: cols)
        k.column_sums(x, rows, cols, 0, cols, &sums)
        expectClose(sums, (0..<cols).map { j in Float((0..<rows).map { Double(x[$0 * cols + j]) }.reduce(0, +)) }, atol: 1e-5, rtol: 0, "\(level) column sums")
        let squares = k.sum_squares(x, x.count)
        #expect(abs(squares - x.map { Double($0) * Double($0) }.reduce(0, +)) < 1e-9 * squares)

        let n = 101
        var p = Self.random(n, seed: 11), m = Self.random(n, scale: 0.1, seed: 12), v = Self.random(n, seed: 13).map { $0 * $0 }
        let g = Self.random(n, seed: 14), (p0, m0, v0) = (p, m, v)
        var hp = rk_adamw_params(lr: 1e-3, weight_decay: 0.05, beta1: 0.9, beta2: 0.95, eps: 1e-8,
                                 step_size: 1e-3 / (1 - 0.9 * 0.9), bc2_sqrt: (1 - 0.95 * 0.95 as Float).squareRoot())
        let bad = k.adamw(&p, g, &m, &v, n, &hp)
        #expect(bad == 0)
        for i in 0..<n {
            let mi = Double(m0[i]) + 0.1 * (Double(g[i]) - Double(m0[i]))
            let vi = Double(v0[i]) * 0.95 + 0.05 * Double(g[i]) * Double(g[i])
            let pi = Double(p0[i]) * (1 - 1e-3 * 0.05) - Double(hp.step_size) * mi / (vi.squareRoot() / Double(hp.bc2_sqrt) + 1e-8)
            #expect(abs(Double(p[i]) - pi) <= 1e-6 && abs(Double(m[i]) - mi) <= 1e-7 && abs(Double(v[i]) - vi) <= 1e-7, "\(level) adamw [\(i)]")
        }
        var huge = [Float](repeating: 1, count: n), zero = [Float](repeating: 0, count: n), zero2 = zero
        let inf = [Float](repeating: .infinity, count: n)
        #expect(k.adamw(&huge, inf, &zero, &zero2, n, &hp) == n, "\(level): non-finite results are counted")
    }

    /// Fused attention of one (item, head) from packed qkv rows, against the composed double reference.
    @Test(arguments: levels, [(37, 37, 64), (8, 8, 16), (145, 37, 32), (5, 19, 8)])
    func attention(level: String, shape: (Int, Int, Int)) throws {
        let k = try #require(CPUKernels.table(level))
        let (lq, lk, d) = shape
        let row = 3 * d   // packed like a qkv projection with one head
        let q = Self.random(lq * row, seed: 15), kv = Self.random(lk * row, seed: 16), dout = Self.random(lq * d, seed: 17)
        let scale = 1 / Float(d).squareRoot()
        // Raw buffers: the kernel keeps pointers in a struct, so they must outlive single calls.
        func buffer(_ values: [Float]) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            p.initialize(from: values, count: values.count)
            return p
        }
        let (pq, pkv, pdo) = (buffer(q), buffer(kv), buffer(dout))
        let (pout, plse, pprob) = (buffer(.init(repeating: 0, count: lq * d)), buffer(.init(repeating: 0, count: lq)),
                                   buffer(.init(repeating: 0, count: lq * lk)))
        let pscratch = buffer(.init(repeating: .nan, count: rk_attention_scratch(lq, lk, d)))
        let (pdq, pdk, pdv) = (buffer(.init(repeating: 0, count: lq * d)), buffer(.init(repeating: 0, count: lk * d)),
                               buffer(.init(repeating: 0, count: lk * d)))
        defer { for b in [pq, pkv, pdo, pout, plse, pprob, pscratch, pdq, pdk, pdv] { b.deallocate() } }
        var a = rk_attention(q: pq, q_row: row, k: pkv + d, k_row: row, v: pkv + 2 * d, v_row: row, out: pout, out_row: d,
                             dout: nil, dq: nil, dq_row: 0, dk: nil, dk_row: 0, dv: nil, dv_row: 0, lse: plse,
                             probabilities: pprob, lq: lq, lk: lk, d: d, scale: scale, scratch: pscratch)
        k.attention_forward(&a)
        (a.dout, a.dq, a.dq_row, a.dk, a.dk_row, a.dv, a.dv_row, a.probabilities) = (UnsafePointer(pdo), pdq, d, pdk, d, pdv, d, nil)
        k.attention_backward(&a)
        func array(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> [Float] { Array(UnsafeBufferPointer(start: p, count: n)) }
        let (out, probs, dq, dk, dv) = (array(pout, lq * d), array(pprob, lq * lk), array(pdq, lq * d), array(pdk, lk * d), array(pdv, lk * d))
        // Reference in double.
        func qv(_ i: Int, _ t: Int) -> Double { Double(q[i * row + t]) }
        func kv_(_ j: Int, _ t: Int) -> Double { Double(kv[j * row + d + t]) }
        func vv(_ j: Int, _ t: Int) -> Double { Double(kv[j * row + 2 * d + t]) }
        var p = [[Double]](repeating: [Double](repeating: 0, count: lk), count: lq)
        for i in 0..<lq {
            let s = (0..<lk).map { j in (0..<d).map { qv(i, $0) * kv_(j, $0) }.reduce(0, +) * Double(scale) }
            let m = s.max()!, z = s.map { Foundation.exp($0 - m) }.reduce(0, +)
            p[i] = s.map { Foundation.exp($0 - m) / z }
        }
        let oRef = (0..<(lq * d)).map { e in Float((0..<lk).map { p[e / d][$0] * vv($0, e % d) }.reduce(0, +)) }
        expectClose(out, oRef, atol: 1e-5, rtol: 0, "\(level) \(shape) out")
        expectClose(probs, p.flatMap { $0.map(Float.init) }, atol: 1e-6, rtol: 0, "\(level) \(shape) probabilities")
        let dvRef = (0..<(lk * d)).map { e in Float((0..<lq).map { p[$0][e / d] * Double(dout[$0 * d + e % d]) }.reduce(0, +)) }
        var ds = p
        for i in 0..<lq {
            let delta = (0..<d).map { Double(dout[i * d + $0]) * Double(oRef[i * d + $0]) }.reduce(0, +)
            for j in 0..<lk { ds[i][j] = p[i][j] * ((0..<d).map { Double(dout[i * d + $0]) * vv(j, $0) }.reduce(0, +) - delta) }
        }
        let dqRef = (0..<(lq * d)).map { e in Float((0..<lk).map { ds[e / d][$0] * kv_($0, e % d) }.reduce(0, +) * Double(scale)) }
        let dkRef = (0..<(lk * d)).map { e in Float((0..<lq).map { ds[$0][e / d] * qv($0, e % d) }.reduce(0, +) * Double(scale)) }
        expectClose(dv, dvRef, atol: 1e-5, rtol: 0, "\(level) \(shape) dV")
        expectClose(dq, dqRef, atol: 1e-5, rtol: 0, "\(level) \(shape) dQ")
        expectClose(dk, dkRef, atol: 1e-5, rtol: 0, "\(level) \(shape) dK")
    }
}

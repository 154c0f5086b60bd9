import COpenBLAS
import Synchronization

/// Single-precision GEMM (on ``GEMMLibrary/active``) and OpenBLAS's thread knob.
public enum BLAS {
    /// Threads a large GEMM is split over (``Parallel/threads``). OpenBLAS itself is set to one thread, once:
    /// its own pool busy-waits (sched_yield) for a while after every call and then fights our kernels' threads
    /// for the cores; splitting the output rows (or columns) over our pool keeps one set of threads busy.
    public static let threads: Int = {
        openblas_set_num_threads(1)
        return Parallel.threads
    }()

    /// GEMMs with at least this many multiply-adds (m·n·k) are split over ``threads``.
    public static let splitThreshold = 1 << 22

    /// Floating-point operations issued to GEMM so far (2·m·n·k per call), for model-FLOP utilisation.
    public static let flops = Atomic<Int>(0)

    /// `C = alpha * op(A) op(B) + beta * C`, row-major. op(A) is M×K, op(B) is K×N, C is M×N. Large products are
    /// split over ``threads`` unless `parallel` is false (callers already running on several threads).
    /// With `rowBias` (N values), C's rows are first set to it and the product is added (`beta` is then 1):
    /// each thread fills the rows it computes, while they are in its cache. `profiled: false` leaves the
    /// work out of the per-op profile (callers that charge it themselves). `library` picks the sgemm (benchmarks
    /// compare them; everything else uses ``GEMMLibrary/active``).
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, rowBias: UnsafePointer<Float>? = nil,
        parallel: Bool = true, profiled: Bool = true, library: GEMMLibrary = GEMMLibrary.active
    ) {
        _ = threads
        if m == 0 || n == 0 { return }
        flops.add(2 * m * n * k, ordering: .relaxed)
        if profiled { Profiler.countFlops(2 * m * n * k) }
        var beta = beta
        @inline(__always) func fillBias(rows: Range<Int>, cols: Range<Int>) {
            guard let rowBias else { return }
            for i in rows { (c + i * ldc + cols.lowerBound).update(from: rowBias + cols.lowerBound, count: cols.count) }
        }
        if rowBias != nil { beta = 1 }
        if k == 0 {
            fillBias(rows: 0..<m, cols: 0..<n)
            if beta == 0 {
                for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            } else if beta != 1 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            }
            return
        }
        let lib = library
        let available = parallel ? Parallel.available : 1
        let parts = available > 1 && m * n * k >= splitThreshold ? available : 1
        if parts == 1 {
            fillBias(rows: 0..<m, cols: 0..<n)
            lib.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c, ldc: ldc)
            return
        }
        // Split C by rows (A's rows) when it is tall enough, else by columns (B's columns); each part is an
        // independent single-threaded sgemm over disjoint outputs, with the same K order (same rounding).
        let byRows = m >= 64 * parts || m >= n
        let length = byRows ? m : n
        let per = (length + parts - 1) / parts
        Parallel.forTasks(parts) { part, _ in
            let lo = part * per, hi = Swift.min(length, lo + per)
            guard lo < hi else { return }
            if byRows {
                fillBias(rows: lo..<hi, cols: 0..<n)
                let aPart = transA ? a + lo : a + lo * lda
                lib.sgemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha, a: aPart, lda: lda, b: b,
                          ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
            } else {
                fillBias(rows: 0..<m, cols: lo..<hi)
                let bPart = transB ? b + lo * ldb : b + lo
                lib.sgemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda, b: bPart,
                          ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension BLAS {
    /// The GEMM kernel family OpenBLAS chose at load time (e.g. "SkylakeX", "Haswell", "Zen", "Prescott").
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// A better kernel family for this CPU than the one OpenBLAS runs, for processors newer than the OpenBLAS
    /// build: with no model it knows, Debian 12's 0.3.21 falls back to its generic SSE3 kernels ("Prescott") on
    /// Intel Sapphire/Emerald Rapids (sgemm 3–7× slower), and to its AVX2 kernels ("Haswell") on AMD Zen 4 and
    /// Zen 5, which have AVX-512 (there the SkylakeX kernels measured 355–389 against 207 GFLOP/s, and a
    /// ViT-Tiny training step took 0.94 s instead of 1.6 s on a 2-core Zen 5). Images and CI machines often
    /// pin `OPENBLAS_CORETYPE=Haswell` to dodge misdetection; that pin is raised to AVX-512 kernels too, never
    /// lowered. `RMAE_OPENBLAS_CORE=keep` leaves OpenBLAS's choice alone, `RMAE_OPENBLAS_CORE=NAME` sets
    /// one, and `RMAE_ISA=avx2|baseline` (the stand-in for an older CPU) also keeps AVX-512 kernels out.
    /// The choice takes effect only for a new process (the `rmae` executable restarts itself once).
    public static func betterCoreType() -> String? {
        let wish = getenv("RMAE_OPENBLAS_CORE").map { String(cString: $0) } ?? "auto"
        if wish == "keep" { return nil }
        if wish != "auto" && !wish.isEmpty { return wish.lowercased() == coreName.lowercased() ? nil : wish }
        var flags = cpuFlags()
        if let isa = getenv("RMAE_ISA").map({ String(cString: $0) }), isa == "avx2" || isa == "baseline" {
            flags = flags.filter { !$0.hasPrefix("avx512") }
        }
        return betterCoreType(current: coreName, cpuFlags: flags)
    }

    /// The rule behind ``betterCoreType()``: AVX-512 kernels (SkylakeX) when the CPU has AVX-512 F, BW, DQ and
    /// VL but OpenBLAS chose a family without them; AVX2 kernels (Haswell) when it runs a family without
    /// AVX2 and FMA kernels (its SSE3 fallback "Prescott", or a pin such as `OPENBLAS_CORETYPE=Sandybridge`,
    /// `Nehalem` or `Barcelona`, about half the sgemm rate of Haswell's on an AVX2 CPU) on a CPU with both.
    public static func betterCoreType(current: String, cpuFlags flags: Set<String>) -> String? {
        let avx2Families: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]
        let avx512Families: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids"]
        if avx512Families.contains(current) { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if !avx2Families.contains(current.lowercased()) && flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The feature flags of the first processor in /proc/cpuinfo (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let f = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 1 << 16)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            return Set(text.split(separator: " ").map { $0.trimmingCharacters() })
        }
        return []
    }
}

private extension Substring {
    func trimmingCharacters() -> String {
        String(self.filter { !$0.isWhitespace })
    }
}

import ArgumentParser
import NN
#if canImport(Glibc)
import Glibc
#endif

/// `rmae bench engine`: sgemm throughput on ViT-shaped GEMMs and one ViT block's forward+backward time.
struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "sgemm GFLOP/s on ViT-shaped GEMMs and one ViT block's forward+backward time (compare: scripts/bench/torch_block.py).")

    @Option(help: "Timed repetitions per measurement (after one warm-up).") var repeats = 5
    @Option(help: "Batch size of the block benchmark.") var batch = 8
    @Option(help: "Tokens per image (197 = 14x14 patches + cls).") var tokens = 197
    @Option(parsing: .upToNextOption, help: "Block widths to time (heads = width / 64).") var widths: [Int] = [192, 768]
    @Flag(help: "Only time the non-GEMM ops (GELU, LayerNorm, BCE, attention) on demo-preset shapes.") var ops = false

    func run() throws {
        print("bench=engine threads=\(Parallel.threads) blas=\(GEMMLibrary.active) blas_available=\(GEMMLibrary.available.map(\.rawValue).joined(separator: ",")) blas_core=\(BLAS.coreName) isa=\(CPUKernels.isa) isa_supported=\(CPUKernels.supportedLevels.joined(separator: ",")) cpu_vendor=\(GEMMLibrary.isIntel ? "intel" : "other")")
        if !GEMMLibrary.available.contains(.mkl) { print("note=mkl_absent reason=\"\(GEMMLibrary.mklDescription)\"") }
        if ops { return benchOps() }
        let m = batch * tokens
        let shapes: [(String, Int, Int, Int)] = [
            ("square1024", 1024, 1024, 1024),
            ("qkv768", m, 2304, 768), ("proj768", m, 768, 768), ("fc1_768", m, 3072, 768), ("fc2_768", m, 768, 3072),
            ("qkv192", m, 576, 192), ("fc1_192", m, 768, 192),
        ]
        for (name, rows, cols, inner) in shapes {
            let a = Tensor.full([rows, inner], 0.5), b = Tensor.full([inner, cols], 0.25)
            var c = Tensor.zeros([rows, cols])
            // Every library present, interleaved, on the same buffers.
            for library in GEMMLibrary.available {
                let seconds = time(repeats) {
                    c.withUnsafeMutableBufferPointer { pc in
                        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                            BLAS.gemm(m: rows, n: cols, k: inner, a: pa.baseAddress!, lda: inner, b: pb.baseAddress!, ldb: cols,
                                      c: pc.baseAddress!, ldc: cols, library: library)
                        } }
                    }
                }
                let gflops = 2 * Double(rows) * Double(cols) * Double(inner) / seconds / 1e9
                print("gemm=\(name) blas=\(library) m=\(rows) n=\(cols) k=\(inner) ms=\(fmt(seconds * 1000)) gflops=\(fmt(gflops))")
            }
        }
        for width in widths {
            var rng = RandomGenerator(seed: 0, stream: .initialization)
            let block = Block(width, heads: max(1, width / 64), using: &rng)
            let x = Tensor.uniform([batch, tokens, width], low: -1, high: 1, using: &rng)
            let seed = Tensor.ones([batch, tokens, width])
            let forward = time(repeats) { _ = withoutGradient { block(x) } }
            let both = time(repeats) {
                let (watchedBlock, xw) = (block.watchingParameters(), x.watched())
                watchedBlock(xw).backward(seed: seed)
            }
            print("block_width=\(width) batch=\(batch) tokens=\(tokens) forward_ms=\(fmt(forward * 1000)) fwd_bwd_ms=\(fmt(both * 1000)) peak_rss_mb=\(peakRSSMegabytes())")
        }
    }
}

extension BenchEngine {
    /// Forward and forward+backward time of single ops on the shapes the demo preset gives them
    /// (batch 32, 8 regions: 37,120 expansion rows of width 128, 2,048 region-encoder attention heads).
    func benchOps() {
        var rng = RandomGenerator(seed: 0, stream: .test)
        func report(_ name: String, elements: Int, _ input: Tensor, _ f: (Tensor) -> Tensor) {
            let forward = time(repeats) { _ = f(input.watched()) }
            let seed = Tensor.ones(f(input).shape)
            let both = time(repeats) { f(input.watched()).backward(seed: seed) }
            print("op=\(name) elements=\(elements) forward_ms=\(fmt(forward * 1000)) fwd_bwd_ms=\(fmt(both * 1000))")
        }
        let wide = Tensor.uniform([37120, 128], low: -3, high: 3, using: &rng)
        report("gelu", elements: wide.count, wide) { $0.gelu() }
        let w = Tensor.ones([128]).watched(), b = Tensor.zeros([128]).watched()
        report("layer_norm", elements: wide.count, wide) { layerNorm($0, weight: w, bias: b, eps: 1e-6) }
        let targets = Tensor.full([37120, 128], 1)
        report("bce_with_logits", elements: wide.count, wide) { binaryCrossEntropyWithLogits($0, targets: targets) }
        let weight = Tensor.uniform([128, 128], low: -0.1, high: 0.1, using: &rng).watched()
        report("linear_128", elements: wide.count, wide) { linear($0, weight, b) }
        let qkv = Tensor.uniform([256, 36, 384], low: -1, high: 1, using: &rng)
        report("attention_region_encoder", elements: qkv.count, qkv) { selfAttention($0, heads: 8) }
        let qkvDecoder = Tensor.uniform([32, 145, 384], low: -1, high: 1, using: &rng)
        report("attention_decoder", elements: qkvDecoder.count, qkvDecoder) { selfAttention($0, heads: 4) }
        let qkvEncoder = Tensor.uniform([32, 37, 576], low: -1, high: 1, using: &rng)
        report("attention_encoder", elements: qkvEncoder.count, qkvEncoder) { selfAttention($0, heads: 3) }
    }
}

/// Median wall time in seconds of `repeats` runs after one warm-up.
func time(_ repeats: Int, _ body: () -> Void) -> Double {
    body()
    var samples: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<max(1, repeats) {
        let start = clock.now
        body()
        samples.append(seconds(clock.now - start))
    }
    return samples.sorted()[samples.count / 2]
}

/// A duration in seconds.
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

func fmt(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    return "\(r)"
}

/// Peak resident set size of this process so far, in MB.
func peakRSSMegabytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss / 1024)
}

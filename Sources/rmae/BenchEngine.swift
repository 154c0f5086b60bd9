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

    func run() throws {
        print("bench=engine threads=\(Parallel.threads) blas_threads=\(BLAS.threads) blas_core=\(BLAS.coreName)")
        let m = batch * tokens
        let shapes: [(String, Int, Int, Int)] = [
            ("square1024", 1024, 1024, 1024),
            ("qkv768", m, 2304, 768), ("proj768", m, 768, 768), ("fc1_768", m, 3072, 768), ("fc2_768", m, 768, 3072),
            ("qkv192", m, 576, 192), ("fc1_192", m, 768, 192),
        ]
        for (name, rows, cols, inner) in shapes {
            let a = Tensor.full([rows, inner], 0.5), b = Tensor.full([inner, cols], 0.25)
            let seconds = time(repeats) { _ = Tensor.matmul(a, b) }
            let gflops = 2 * Double(rows) * Double(cols) * Double(inner) / seconds / 1e9
            print("gemm=\(name) m=\(rows) n=\(cols) k=\(inner) ms=\(fmt(seconds * 1000)) gflops=\(fmt(gflops))")
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

/// Median wall time in seconds of `repeats` runs after one warm-up.
func time(_ repeats: Int, _ body: () -> Void) -> Double {
    body()
    var samples: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<max(1, repeats) {
        let start = clock.now
        body()
        let d = clock.now - start
        samples.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }
    return samples.sorted()[samples.count / 2]
}

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

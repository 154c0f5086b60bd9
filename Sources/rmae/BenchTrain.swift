import ArgumentParser
import Models
import NN
#if canImport(Glibc)
import Glibc
#endif

/// `rmae bench train`: full training steps (forward, backward, AdamW) on synthetic data, with the flags of
/// ../shared/bench/torch_rmae.py so both run the same model.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Median time of a full R-MAE training step (forward, backward, AdamW); compare with ../shared/bench/torch_rmae.py.")

    @Option(help: "Model preset: \(ModelPresets.names.joined(separator: ", ")).") var preset = "vit-tiny"
    @Option(help: "Images per step.") var batch = 8
    @Option(help: "Timed steps (after 2 warm-up steps).") var steps = 10
    @Option(help: "k regions per image; 0 = MAE alone.") var regions = 8
    @Option(help: "region_cross_layer (paper: 1; official config: 8).") var neck = 1
    @Option(name: .customLong("img-size"), help: "Override the image side.") var imgSize: Int?
    @Option(help: "Override the patch side.") var patch: Int?
    @Option(name: .customLong("decoder-dim"), help: "Pixel decoder width.") var decoderDim: Int?
    @Option(name: .customLong("decoder-depth"), help: "Pixel decoder blocks.") var decoderDepth: Int?
    @Option(name: .customLong("decoder-heads"), help: "Pixel decoder heads.") var decoderHeads: Int?
    @Flag(help: "Also time every op (forward and backward) over the timed steps and list the top ops by time.")
    var profile = false
    @Option(help: "With --profile: how many ops to list.") var top = 25
    @Flag(name: .customLong("collect-gradients"),
          help: "Collect all gradients, then update (as with clipping or accumulation); default: update each parameter as soon as its gradient is complete.")
    var collectGradients = false

    func run() throws {
        guard var c = ModelPresets.config(named: preset) else {
            throw ValidationError("--preset: unknown preset '\(preset)' (known: \(ModelPresets.names.joined(separator: ", ")))")
        }
        c.numRegion = regions
        c.regionCrossLayer = neck
        if let imgSize { c.imgSize = imgSize }
        if let patch { c.patchSize = patch }
        if let decoderDim { c.decoderEmbedDim = decoderDim }
        if let decoderDepth { c.decoderDepth = decoderDepth }
        if let decoderHeads { c.decoderNumHeads = decoderHeads }
        var model = try RegionMAE(config: c)
        let optimizer = AdamW(learningRate: 1e-4)
        var rng = RandomGenerator(seed: 0, stream: .test)
        let images = Tensor.normal([batch, 3, c.imgSize, c.imgSize], using: &rng)
        let maps = regions > 0 ? Tensor(shape: [batch, regions, c.imgSize, c.imgSize],
                                        (0..<(batch * regions * c.imgSize * c.imgSize)).map { _ in rng.uniform() > 0.5 ? 1 : 0 }) : nil

        var samples: [Double] = []
        var phases = [0.0, 0.0]   // forward and backward, optimizer
        var flopsPerStep = 0
        let shares = BatchShares.count(batch: batch)
        let inPlace = !collectGradients
        let clock = ContinuousClock()
        for i in 0..<(steps + 2) {
            let masking = Masking.random(batch: batch, patches: c.numPatches, using: &rng)
            let before = BLAS.flops.load(ordering: .relaxed)
            let start = clock.now
            var gradientsDone = start
            func step() {
                Profiler.mark()
                // As Trainer.trainStep: the batch in shares of images, one thread each. The watched copies
                // share the parameters' storage: they must be gone before the in-place update, or every
                // parameter is copied.
                let update = inPlace ? optimizer.beginInPlaceUpdate(&model) : nil
                let grads = valueWithGradient(at: model, batch: batch, shares: shares, onGradient: update?.apply) { m, r in
                    let out = m(images: images.slice(alongAxis: 0, r), regions: maps?.slice(alongAxis: 0, r),
                                masking: masking.images(r))
                    return (out.loss * (Float(r.count) / Float(batch)), ())
                }.gradient
                gradientsDone = clock.now
                if !inPlace { optimizer.update(&model, along: grads) }
                Profiler.add("adamw", seconds: seconds(clock.now - gradientsDone))
            }
            if profile && i >= 2 { Profiler.measure(step) } else { step() }
            let d = clock.now - start
            if i >= 2 {
                phases[0] += seconds(gradientsDone - start)
                phases[1] += seconds(clock.now - gradientsDone)
            }
            flopsPerStep = BLAS.flops.load(ordering: .relaxed) - before
            if i >= 2 { samples.append(seconds(d)) }
        }
        let peakRSS = peakRSSMegabytes()   // of training alone, before the reference product below
        let peakTensors = BufferCache.peakTensorBytes >> 20

        // sgemm reference throughput, measured in this run, for model-FLOP utilisation.
        let (m, n, k) = (2048, 2048, 1024)
        let a = Tensor.full([m, k], 0.5), b = Tensor.full([k, n], 0.25)
        let gemmSeconds = time(5) { _ = Tensor.matmul(a, b) }
        let peakGflops = 2 * Double(m * n * k) / gemmSeconds / 1e9
        samples.sort()
        let median = samples[samples.count / 2]
        let mfu = Double(flopsPerStep) / median / 1e9 / peakGflops
        print("bench=train preset=\(preset) img=\(c.imgSize) patch=\(c.patchSize) dec=\(c.decoderEmbedDim)x\(c.decoderDepth) regions=\(regions) neck=\(neck) batch=\(batch) threads=\(Parallel.threads) shares=\(shares) blas=\(GEMMLibrary.active) blas_core=\(BLAS.coreName) isa=\(CPUKernels.isa) step_s=\(fmt4(median)) min=\(fmt4(samples.first!)) max=\(fmt4(samples.last!)) img_per_s=\(fmt(Double(batch) / median)) gemm_gflop_per_step=\(fmt(Double(flopsPerStep) / 1e9)) sgemm_gflops=\(fmt(peakGflops)) mfu=\(fmt(mfu)) update=\(inPlace ? "in_backward" : "after") gradient_s=\(fmt4(phases[0] / Double(steps))) optimizer_s=\(fmt4(phases[1] / Double(steps))) peak_rss_mb=\(peakRSS) peak_tensor_mb=\(peakTensors)")
        if profile { printOpProfile(steps: steps, stepSeconds: phases.reduce(0, +) / Double(steps), shares: shares, top: top) }
    }
}

/// One line per op of the profiled steps, most expensive first (`rmae bench train|finetune --profile`):
/// per-step milliseconds forward / backward, share of the step, and the GEMM rate inside the op. With several
/// shares the ops of all threads are added (thread-milliseconds), so shares are of the threads' busy time:
/// step time × shares.
func printOpProfile(steps: Int, stepSeconds: Double, shares: Int, top: Int) {
    do {
        let entries = Profiler.entries
        let n = Double(steps)
        let busy = stepSeconds * Double(shares)
        let covered = entries.reduce(0) { $0 + $1.seconds } / n
        print("profile=summary steps=\(steps) step_ms=\(fmt(stepSeconds * 1e3)) shares=\(shares) thread_ms=\(fmt(busy * 1e3)) ops_ms=\(fmt(covered * 1e3)) ops=\(entries.count)")
        for e in entries.prefix(top) {
            let ms = e.seconds / n * 1e3
            let flops = Double(e.forwardFlops + e.backwardFlops)
            let gemm = flops > 0 ? " gemm_gflop=\(fmt(flops / n / 1e9)) gemm_gflops=\(fmt(flops / e.seconds / 1e9))" : ""
            print("profile op=\(e.op) calls=\(e.calls / steps) ms=\(fmt(ms)) forward_ms=\(fmt(e.forwardSeconds / n * 1e3)) backward_ms=\(fmt(e.backwardSeconds / n * 1e3)) share=\(fmt(ms / (busy * 1e3)))\(gemm)")
        }
    }
}

func fmt4(_ x: Double) -> String { "\((x * 10000).rounded() / 10000)" }

import ArgumentParser
import Distributed
import Engine
import Foundation
import Models

/// `rmae bench allreduce`: the gradient all-reduce of one training step, timed over MPI.
/// Run it under a launcher: `mpirun --oversubscribe -np 2 rmae bench allreduce`.
struct BenchAllreduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time the gradient all-reduce of one step for a preset's parameters (run under mpirun, e.g. -np 2 over loopback).")

    @Option(help: "Model preset whose gradients are averaged.") var preset = "vit-base"
    @Option(help: "Timed repetitions (after one warm-up).") var repeats = 5
    @Option(name: .customLong("bucket-mb"), help: "All-reduce bucket size in MiB.") var bucketMB = 16

    func run() throws {
        guard let c = ModelPresets.config(named: preset) else { throw ValidationError("--preset: unknown preset '\(preset)'") }
        guard let mpi = MPIContext.startIfLaunched(bucketFloats: bucketMB << 18) else {
            throw ValidationError("rmae bench allreduce needs several ranks: run it as `mpirun --oversubscribe -np 2 rmae bench allreduce`")
        }
        defer { mpi.finish() }
        let model = try RegionMAE(config: c)
        var grads: [String: Tensor] = [:]
        for (name, p) in model.namedParameters() { grads[name] = Tensor.full(p.shape, Float(mpi.rank + 1)) }
        let floats = grads.values.reduce(0) { $0 + $1.count }
        var extra = [0.0]
        let seconds = time(repeats) {
            var g = grads
            mpi.averageInPlace(&g, extra: &extra)
        }
        mpi.barrier()
        if mpi.rank == 0 {
            print("bench=allreduce preset=\(preset) ranks=\(mpi.size) floats=\(floats) mb=\((floats * 4) >> 20) bucket_mb=\(bucketMB) ms=\(fmt(seconds * 1000)) gb_per_s=\(fmt(Double(floats * 4) / seconds / 1e9))")
        }
    }
}

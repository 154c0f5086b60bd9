import CMPI
import Engine
import Foundation

/// Data parallelism over MPI: every rank holds the same parameters, computes gradients on its shard of
/// each global batch, and the gradients are averaged with `MPI_Allreduce` in buckets.
///
/// MPI is initialised only when the process was started by a launcher (`mpirun`, `srun`), detected from the
/// variables they set; a plain run uses no MPI at all. Collectives are watched: one that makes no progress
/// for ``timeout`` seconds (a rank died or hangs) ends this process with a message naming the rank and the
/// operation, and the launcher then stops the whole job.
public final class MPIContext: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Seconds a collective may take before the job is declared broken.
    public let timeout: Double
    /// Floats per all-reduce bucket (4 M floats = 16 MiB).
    public let bucketFloats: Int
    private let watchdog: Watchdog

    /// True when a launcher started this process as one of several ranks.
    public static var launchedByLauncher: Bool {
        let env = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"] {
            if let v = env[key], let n = Int(v), n > 1 { return true }
        }
        return env["OMPI_COMM_WORLD_RANK"] != nil || env["PMIX_RANK"] != nil
    }

    /// Initialises MPI (once per process) when launched by `mpirun`/`srun`; nil for a plain single process.
    /// The collective timeout is `RMAE_MPI_TIMEOUT` seconds when set (default 300).
    public static func startIfLaunched(bucketFloats: Int = 4 << 20) -> MPIContext? {
        guard launchedByLauncher else { return nil }
        let timeout = ProcessInfo.processInfo.environment["RMAE_MPI_TIMEOUT"].flatMap(Double.init) ?? 300
        return MPIContext(timeout: timeout, bucketFloats: bucketFloats)
    }

    init(timeout: Double, bucketFloats: Int) {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(rmae_mpi_comm_world(), &r)
        MPI_Comm_size(rmae_mpi_comm_world(), &s)
        rank = Int(r)
        size = Int(s)
        self.timeout = timeout
        self.bucketFloats = bucketFloats
        watchdog = Watchdog(rank: Int(r), timeout: timeout)
    }

    /// Ends MPI; call once at the end of the run on every rank.
    public func finish() {
        watchdog.stop()
        MPI_Finalize()
    }

    /// Ends the whole job (all ranks) after printing `message` on this rank.
    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data("rank \(rank): \(message)\n".utf8))
        MPI_Abort(rmae_mpi_comm_world(), 1)
        exit(1)
    }

    /// Averages tensors over all ranks in place: keys in sorted order are packed into buckets of at most
    /// ``bucketFloats`` floats, each summed with one `MPI_Allreduce`, then divided by the rank count.
    /// `extra` values (e.g. losses for logging) travel in the last bucket and are averaged the same way.
    public func averageInPlace(_ tensors: inout [String: Tensor], extra: inout [Double]) {
        let keys = tensors.keys.sorted()
        if keys.isEmpty && !extra.isEmpty {   // numbers alone (e.g. a batch's pixel count), in Float64
            var buffer = extra
            watchdog.guarding("all-reduce of \(buffer.count) values") {
                buffer.withUnsafeMutableBufferPointer { b in
                    _ = MPI_Allreduce(rmae_mpi_in_place(), b.baseAddress, Int32(b.count), rmae_mpi_double(), rmae_mpi_sum(), rmae_mpi_comm_world())
                }
            }
            extra = buffer.map { $0 / Double(size) }
            return
        }
        var start = 0
        while start < keys.count {
            var end = start, floats = 0
            while end < keys.count && (end == start || floats + tensors[keys[end]]!.count <= bucketFloats) {
                floats += tensors[keys[end]]!.count
                end += 1
            }
            let last = end == keys.count
            var buffer = [Float](repeating: 0, count: floats + (last ? extra.count : 0))
            var offset = 0
            for k in keys[start..<end] {
                tensors[k]!.withUnsafeBufferPointer { src in
                    buffer.withUnsafeMutableBufferPointer { dst in
                        (dst.baseAddress! + offset).update(from: src.baseAddress!, count: src.count)
                    }
                }
                offset += tensors[k]!.count
            }
            if last { for (i, v) in extra.enumerated() { buffer[floats + i] = Float(v) } }
            watchdog.guarding("all-reduce of \(buffer.count) gradient values") {
                buffer.withUnsafeMutableBufferPointer { b in
                    _ = MPI_Allreduce(rmae_mpi_in_place(), b.baseAddress, Int32(b.count), rmae_mpi_float(), rmae_mpi_sum(), rmae_mpi_comm_world())
                }
            }
            let scale = 1 / Float(size)
            offset = 0
            for k in keys[start..<end] {
                let n = tensors[k]!.count
                var t = Tensor(shape: tensors[k]!.shape, Array(buffer[offset..<(offset + n)]))
                t.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] *= scale } }
                tensors[k] = t
                offset += n
            }
            if last { for i in extra.indices { extra[i] = Double(buffer[floats + i]) / Double(size) } }
            start = end
        }
    }

    /// Copies rank 0's tensors to every rank (the starting weights).
    public func broadcastFromRoot(_ tensors: inout [String: Tensor]) {
        for k in tensors.keys.sorted() {
            var values = tensors[k]!.scalars
            watchdog.guarding("broadcast of '\(k)'") {
                values.withUnsafeMutableBufferPointer { b in
                    _ = MPI_Bcast(b.baseAddress, Int32(b.count), rmae_mpi_float(), 0, rmae_mpi_comm_world())
                }
            }
            tensors[k] = Tensor(shape: tensors[k]!.shape, values)
        }
    }

    /// Every rank's value of `local`, in rank order.
    public func gather(_ local: UInt64) -> [UInt64] {
        var mine = local
        var all = [UInt64](repeating: 0, count: size)
        watchdog.guarding("all-gather of parameter checksums") {
            all.withUnsafeMutableBufferPointer { b in
                _ = MPI_Allgather(&mine, 1, rmae_mpi_uint64(), b.baseAddress, 1, rmae_mpi_uint64(), rmae_mpi_comm_world())
            }
        }
        return all
    }

    /// Waits for every rank.
    public func barrier() {
        watchdog.guarding("barrier") { _ = MPI_Barrier(rmae_mpi_comm_world()) }
    }
}

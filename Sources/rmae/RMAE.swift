import ArgumentParser
import Engine
#if canImport(Glibc)
import Glibc
#endif

struct RMAE: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmae",
        abstract: "R-MAE (Regions Meet Masked Autoencoders) in Swift: pre-train Vision Transformers from images and their regions.",
        subcommands: [PretrainCommand.self, RegionsCommand.self, VisualizeCommand.self, AttentionCommand.self, SegmentCommand.self, ServeCommand.self,
                      EvaluateCommand.self, ProbeCommand.self, FinetuneCommand.self, SegevalCommand.self, CurvesCommand.self, ExportCommand.self, ForwardCommand.self, ParityCommand.self, Bench.self])
}

@main
enum Entry {
    static func main() async {
        selectBLASKernel()
        await RMAE.main()
    }

    /// OpenBLAS reads `OPENBLAS_CORETYPE` only when it loads, so when it runs kernels below what this CPU can
    /// do (a CPU newer than the OpenBLAS build, or a pinned `OPENBLAS_CORETYPE`), restart this process once with
    /// the right kernel family named (``BLAS/betterCoreType()``; `RMAE_OPENBLAS_CORE=keep` turns this off).
    static func selectBLASKernel() {
        guard let core = BLAS.betterCoreType(), getenv("RMAE_BLAS_REEXEC") == nil else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("RMAE_BLAS_REEXEC", "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv returned: keep going with the kernels we have.
    }
}

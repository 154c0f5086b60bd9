import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The sgemm behind ``BLAS/gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:rowBias:parallel:profiled:)``:
/// Debian's OpenBLAS (linked), or Intel's MKL, loaded at run time from the `mkl` wheel that `scripts/setup`
/// unpacks on Intel CPUs (never a link-time requirement).
///
/// Choice: `RMAE_BLAS=openblas|mkl` forces one; by default MKL on Intel CPUs when it loads (measured faster there
/// on every model shape: 186–208 against 143–162 GFLOP/s for the demo encoder), OpenBLAS everywhere else (on AMD
/// Zen 2 OpenBLAS measured 182–193 against MKL's 127–147) and as the fallback. Both run single-threaded;
/// ``BLAS`` splits large products over the engine's own threads.
public enum GEMMLibrary: String, Sendable {
    case openblas, mkl

    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void

    /// MKL's `cblas_sgemm`, or nil when no `libmkl_rt` could be loaded.
    nonisolated(unsafe) static let mklSgemm: SGEMM? = loadMKL()

    /// Where MKL was loaded from, or why it was not.
    nonisolated(unsafe) private(set) static var mklStatus = "not looked for"

    /// The library in use for this process.
    public static let active: GEMMLibrary = {
        let forced = getenv("RMAE_BLAS").map { String(cString: $0).lowercased() }
        switch forced {
        case "openblas": return .openblas
        case "mkl":
            if mklSgemm != nil { return .mkl }
            StandardError.write("rmae: RMAE_BLAS=mkl, but MKL could not be loaded (\(mklStatus)); using OpenBLAS\n")
            return .openblas
        case let other?:
            if !other.isEmpty {
                StandardError.write("rmae: RMAE_BLAS=\(other) is not one of openblas, mkl; choosing by CPU\n")
            }
            fallthrough
        default:
            return isIntel && mklSgemm != nil ? .mkl : .openblas
        }
    }()

    /// True on Intel CPUs (`GenuineIntel`).
    public static var isIntel: Bool { CPUInfo.vendor == "GenuineIntel" }

    /// The libraries present in this process (OpenBLAS always; MKL when it loads).
    public static var available: [GEMMLibrary] { mklSgemm == nil ? [.openblas] : [.openblas, .mkl] }

    /// A description for benchmark lines: `mkl (/path/libmkl_rt.so.3)` or the reason it is absent.
    public static var mklDescription: String { mklStatus }

    /// `C = alpha op(A) op(B) + beta C`, row-major, on one thread of this library.
    @inline(__always)
    func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
               b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch self {
        case .openblas:
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case .mkl:
            // CBLAS constants: row-major 101, no-trans 111, trans 112.
            Self.mklSgemm!(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                           b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// Looks for `libmkl_rt` in `RMAE_MKL_DIR`, in `.mkl/lib` of the repository the executable was built in
    /// (where `scripts/setup` unpacks it), then on the loader's search path; sets it to sequential threading.
    private static func loadMKL() -> SGEMM? {
        var dirs: [String] = []
        if let env = getenv("RMAE_MKL_DIR") { dirs.append(String(cString: env)) }
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        if n > 0 {
            var dir = String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            for _ in 0..<5 {   // .build/<triple>/release/rmae -> repository
                dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
                if dir.isEmpty { break }
                dirs.append(dir + "/.mkl/lib")
            }
        }
        let names = ["libmkl_rt.so.3", "libmkl_rt.so.2", "libmkl_rt.so"]
        let candidates = dirs.flatMap { d in names.map { d + "/" + $0 } }.filter { access($0, R_OK) == 0 } + names
        for path in candidates {
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { continue }
            guard let sgemm = dlsym(handle, "cblas_sgemm") else { dlclose(handle); continue }
            // MKL_THREADING_SEQUENTIAL = 1: no OpenMP runtime, one thread per call.
            if let set = dlsym(handle, "MKL_Set_Threading_Layer") {
                _ = unsafeBitCast(set, to: (@convention(c) (Int32) -> Int32).self)(1)
            }
            mklStatus = path
            return unsafeBitCast(sgemm, to: SGEMM.self)
        }
        mklStatus = "no libmkl_rt in \(dirs.isEmpty ? "" : dirs.joined(separator: ", ") + " or ")the loader path; scripts/setup installs it on Intel CPUs"
        return nil
    }
}

/// The CPU's vendor string (`GenuineIntel`, `AuthenticAMD`, ...) from /proc/cpuinfo.
enum CPUInfo {
    static let vendor: String = {
        guard let f = fopen("/proc/cpuinfo", "r") else { return "" }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(cString: line)
            if text.hasPrefix("vendor_id"), let colon = text.firstIndex(of: ":") {
                return text[text.index(after: colon)...].filter { !$0.isWhitespace }
            }
        }
        return ""
    }()
}

enum StandardError {
    static func write(_ s: String) { _ = s.withCString { Glibc.write(2, $0, strlen($0)) } }
}

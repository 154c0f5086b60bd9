import CKernels

/// The C kernels (target `CKernels`) for the CPU this process runs on: exp/log/GELU/sigmoid, BCE, LayerNorm,
/// softmax, attention, column sums and the AdamW update, each compiled for AVX-512, AVX2 + FMA and the
/// baseline, chosen once at load time. `RMAE_ISA=avx512|avx2|baseline` forces a level (never above what the
/// CPU runs).
public enum CPUKernels {
    /// The active table.
    nonisolated(unsafe) static let table: rk_table = rk_active().pointee   // read-only after load

    /// The level in use: `avx512`, `avx2` or `baseline`.
    public static var isa: String { String(cString: table.name) }

    /// Every level this CPU can run, lowest first.
    public static var supportedLevels: [String] {
        (0...Int(RK_ISA_AVX512.rawValue)).compactMap { level in
            rk_table_for(rk_isa(UInt32(level))).map { String(cString: $0.pointee.name) }
        }
    }

    /// The table of one level (tests compare every level with the baseline), or nil when the CPU cannot run it.
    static func table(_ name: String) -> rk_table? {
        let level: rk_isa
        switch name {
        case "baseline": level = RK_ISA_BASELINE
        case "avx2": level = RK_ISA_AVX2
        case "avx512": level = RK_ISA_AVX512
        default: return nil
        }
        return rk_table_for(level)?.pointee
    }
}

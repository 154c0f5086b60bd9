import Testing
@testable import Engine

/// The OpenBLAS kernel family rmae restarts with on CPUs newer than the OpenBLAS build.
struct BLASCoreTypeTests {
    static let zen5: Set<String> = ["sse3", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"]
    static let zen3: Set<String> = ["sse3", "avx2", "fma"]

    @Test func avx512CpuGetsAVX512KernelsWhenOpenBLASChoseAVX2Ones() {
        #expect(BLAS.betterCoreType(current: "Haswell", cpuFlags: Self.zen5) == "SkylakeX")
        #expect(BLAS.betterCoreType(current: "Zen", cpuFlags: Self.zen5) == "SkylakeX")
        #expect(BLAS.betterCoreType(current: "Prescott", cpuFlags: Self.zen5) == "SkylakeX")
    }

    @Test func openBLASChoiceStandsWhereItFits() {
        #expect(BLAS.betterCoreType(current: "SkylakeX", cpuFlags: Self.zen5) == nil)
        #expect(BLAS.betterCoreType(current: "Cooperlake", cpuFlags: Self.zen5) == nil)
        #expect(BLAS.betterCoreType(current: "Haswell", cpuFlags: Self.zen3) == nil)
        #expect(BLAS.betterCoreType(current: "Zen", cpuFlags: Self.zen3) == nil)
        // AVX-512 F alone (no BW/DQ/VL, e.g. Knights Landing) is not enough for the SkylakeX kernels
        #expect(BLAS.betterCoreType(current: "Haswell", cpuFlags: Self.zen3.union(["avx512f"])) == nil)
    }

    @Test func genericFallbackGetsAVX2Kernels() {
        #expect(BLAS.betterCoreType(current: "Prescott", cpuFlags: Self.zen3) == "Haswell")
        for pinned in ["Sandybridge", "Nehalem", "Barcelona", "Core2", "Bulldozer"] {
            #expect(BLAS.betterCoreType(current: pinned, cpuFlags: Self.zen3) == "Haswell", "\(pinned)")
            #expect(BLAS.betterCoreType(current: pinned, cpuFlags: ["sse3", "avx"]) == nil, "\(pinned) on a CPU without AVX2")
        }
        #expect(BLAS.betterCoreType(current: "Prescott", cpuFlags: ["sse3"]) == nil)
    }
}

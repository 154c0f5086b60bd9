// Chooses the kernel table once, for the CPU the process runs on.
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern const rk_table rk_table_baseline;
#if defined(__x86_64__)
extern const rk_table rk_table_avx2;
extern const rk_table rk_table_avx512;
#endif

static rk_isa detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma"))
        return RK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return RK_ISA_AVX2;
#endif
    return RK_ISA_BASELINE;
}

static rk_isa best = RK_ISA_BASELINE, active = RK_ISA_BASELINE;
static const rk_table *active_table = &rk_table_baseline;

const rk_table *rk_table_for(rk_isa isa) {
    if (isa > best) return NULL;
    switch (isa) {
    case RK_ISA_BASELINE: return &rk_table_baseline;
#if defined(__x86_64__)
    case RK_ISA_AVX2: return &rk_table_avx2;
    case RK_ISA_AVX512: return &rk_table_avx512;
#endif
    default: return NULL;
    }
}

__attribute__((constructor)) static void rk_choose(void) {
    best = detect();
    active = best;
    const char *env = getenv("RMAE_ISA");
    if (env && *env) {
        rk_isa asked = best;
        if (!strcasecmp(env, "baseline")) asked = RK_ISA_BASELINE;
        else if (!strcasecmp(env, "avx2")) asked = RK_ISA_AVX2;
        else if (!strcasecmp(env, "avx512")) asked = RK_ISA_AVX512;
        active = asked < best ? asked : best;
    }
    const rk_table *t = rk_table_for(active);
    active_table = t ? t : &rk_table_baseline;
}

rk_isa rk_active_isa(void) { return active; }
rk_isa rk_best_isa(void) { return best; }
const rk_table *rk_active(void) { return active_table; }

long rk_attention_scratch(long lq, long lk, long d) {
    long ld = (lk + 15) & ~15L;
    return d * ld + 2 * lq * ld + lq;
}

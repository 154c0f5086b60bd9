// The kernels for the baseline of the target (SSE2 on x86-64; NEON on arm64): 4 floats per vector, no FMA.
#define W 4
#define HAS_FMA 0
#define TABLE rk_table_baseline
#define ISA_NAME "baseline"
#include "kernels_impl.h"

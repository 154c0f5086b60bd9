// The kernels for AVX-512 (F, BW, DQ, VL): 16 floats per vector.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,bmi2"))), apply_to = function)
#define W 16
#define HAS_FMA 1
#define TABLE rk_table_avx512
#define ISA_NAME "avx512"
#include "kernels_impl.h"
#pragma clang attribute pop
#endif

// The kernels for AVX2 + FMA: 8 floats per vector.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,bmi2"))), apply_to = function)
#define W 8
#define HAS_FMA 1
#define TABLE rk_table_avx2
#define ISA_NAME "avx2"
#include "kernels_impl.h"
#pragma clang attribute pop
#endif

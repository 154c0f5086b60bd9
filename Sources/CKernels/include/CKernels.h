// Hot loops of the engine, compiled for several x86-64 levels (AVX-512, AVX2 + FMA, baseline SSE2) and chosen
// once at load time for the CPU the process runs on (or by RMAE_ISA=avx512|avx2|baseline).
//
// Every kernel exists in each level's table (rk_table_for); the rk_* wrappers call the active one. Shapes are
// row-major float32; sizes are element counts.
#ifndef RMAE_CKERNELS_H
#define RMAE_CKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma clang assume_nonnull begin

/// Instruction-set levels, lowest first.
typedef enum {
    RK_ISA_BASELINE = 0,   ///< x86-64 baseline (SSE2), and every non-x86 CPU
    RK_ISA_AVX2 = 1,       ///< AVX2 + FMA (Intel Haswell, AMD Zen and later)
    RK_ISA_AVX512 = 2,     ///< AVX-512 F/BW/DQ/VL (Intel Skylake-SP and later, AMD Zen 4)
} rk_isa;

/// One (batch item, head) of multi-head attention. Pointers are already offset to this item and head; `*_row`
/// is the distance between consecutive tokens. `scratch` holds rk_attention_scratch(lq, lk, d) floats.
typedef struct {
    const float *q; long q_row;
    const float *k; long k_row;
    const float *v; long v_row;
    float *out; long out_row;      ///< forward: the output; backward: the forward's output O
    const float *_Nullable dout;   ///< backward only: dO (row stride out_row)
    float *_Nullable dq; long dq_row;        ///< backward only: gradients (overwritten)
    float *_Nullable dk; long dk_row;
    float *_Nullable dv; long dv_row;
    float *lse;                    ///< [lq] row log-sum-exp (written by forward, read by backward)
    float *_Nullable probabilities; ///< forward, optional: [lq, lk] post-softmax probabilities
    long lq, lk, d;
    float scale;
    float *scratch;
} rk_attention;

/// AdamW hyper-parameters of one update (torch.optim.AdamW semantics).
typedef struct {
    float lr, weight_decay, beta1, beta2, eps;
    float step_size;   ///< lr / (1 − β1ᵗ)
    float bc2_sqrt;    ///< √(1 − β2ᵗ)
} rk_adamw_params;

typedef struct rk_table {
    const char *name;
    // y = f(x)
    void (*exp)(const float *x, float *y, long n);
    void (*log)(const float *x, float *y, long n);
    void (*sigmoid)(const float *x, float *y, long n);
    void (*gelu)(const float *x, float *y, long n);
    /// y = x Φ(x) and slope = Φ(x) + x φ(x)
    void (*gelu_slope)(const float *x, float *y, float *slope, long n);
    /// loss = (max(z,0) − z y + log(1 + e^−|z|)) w (w may be NULL), sig = σ(z) (may be NULL)
    void (*bce)(const float *z, const float *y, const float *_Nullable w, float *loss, float *_Nullable sig, long n);
    /// d = (sig − y) g w (w may be NULL)
    void (*bce_backward)(const float *g, const float *sig, const float *y, const float *_Nullable w, float *d, long n);
    /// LayerNorm over rows [0, rows) of width cols; weight/bias may be NULL. Row statistics in double.
    void (*layernorm_forward)(const float *x, const float *_Nullable w, const float *_Nullable b, long rows, long cols, float eps,
                              float *out, float *mean, float *rstd);
    /// LayerNorm backward over rows [0, rows): dx (may be NULL) and Σ_rows dout·x̂, Σ_rows dout added into
    /// dw_sum, db_sum (double, cols each; may be NULL).
    void (*layernorm_backward)(const float *dout, const float *x, const float *_Nullable w, const float *mean,
                               const float *rstd, long rows, long cols, float *_Nullable dx, double *_Nullable dw_sum,
                               double *_Nullable db_sum);
    /// Softmax of each row in place (rows of n, distance ld); lse[r] = max + log Σ exp (may be NULL).
    void (*softmax_rows)(float *x, long rows, long n, long ld, float *_Nullable lse);
    /// d = y (g − Σ g·y) per row of n.
    void (*softmax_backward_rows)(const float *y, const float *g, float *d, long rows, long n);
    /// Σ over rows of columns [c0, c1) of a [rows, cols] buffer, in blocks of 32 rows (float), blocks in double.
    void (*column_sums)(const float *x, long rows, long cols, long c0, long c1, float *out);
    /// Σ x² in double.
    double (*sum_squares)(const float *x, long n);
    void (*attention_forward)(const rk_attention *a);
    void (*attention_backward)(const rk_attention *a);
    /// One AdamW update of n values; returns how many values it left non-finite (parameter or second moment).
    long (*adamw)(float *p, const float *g, float *m, float *v, long n, const rk_adamw_params *hp);
} rk_table;

/// The table of one level, or NULL when this CPU (or this build) cannot run it.
const rk_table *_Nullable rk_table_for(rk_isa isa);
/// The level in use: the best this CPU supports, or RMAE_ISA when set (lowered to what the CPU supports).
rk_isa rk_active_isa(void);
const rk_table *rk_active(void);
/// The best level this CPU supports.
rk_isa rk_best_isa(void);
/// Scratch floats rk_attention needs.
long rk_attention_scratch(long lq, long lk, long d);

#pragma clang assume_nonnull end

#ifdef __cplusplus
}
#endif
#endif

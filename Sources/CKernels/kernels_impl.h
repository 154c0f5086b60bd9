// The kernels, written once for a vector of W floats. Each isa_*.c file includes this with its own W, FMA
// setting, table name and a `#pragma clang attribute` that compiles every function below for its level.
//
// Numerics follow the Swift reference kernels they replace: Cephes-style exp/log, Abramowitz & Stegun 7.1.26
// for GELU's Φ (|error| ≤ 1.5e-7, as PyTorch's vectorised erf), max-subtracted softmax, LayerNorm row
// statistics and all long sums in double.
#include "CKernels.h"
#include <math.h>
#pragma clang diagnostic ignored "-Wpsabi"   // vector helpers are always inlined: no ABI crosses a call
#include <string.h>

#if !defined(W) || !defined(TABLE) || !defined(HAS_FMA)
#error "define W, TABLE and HAS_FMA before including kernels_impl.h"
#endif

typedef float vf __attribute__((ext_vector_type(W)));
typedef int vi __attribute__((ext_vector_type(W)));
typedef double vd __attribute__((ext_vector_type(W)));

#define INLINE static inline __attribute__((always_inline))
#define SPLAT(c) ((vf)(c))

#if HAS_FMA
#define FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#endif

INLINE vf loadu(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
INLINE void storeu(float *p, vf v) { memcpy(p, &v, sizeof v); }
/// The first n < W values from p, the rest `fill`.
INLINE vf load_part(const float *p, long n, float fill) {
    float t[W];
    for (int j = 0; j < W; j++) t[j] = j < n ? p[j] : fill;
    return loadu(t);
}
INLINE void store_part(float *p, vf v, long n) {
    float t[W];
    storeu(t, v);
    for (long j = 0; j < n; j++) p[j] = t[j];
}
INLINE vf vabs(vf x) { return (vf)((vi)x & 0x7FFFFFFF); }
INLINE float hsum(vf v) { float s = 0; for (int j = 0; j < W; j++) s += v[j]; return s; }
INLINE double hsumd(vd v) { double s = 0; for (int j = 0; j < W; j++) s += v[j]; return s; }
INLINE float hmax(vf v) { float m = v[0]; for (int j = 1; j < W; j++) m = v[j] > m ? v[j] : m; return m; }
INLINE vd widen(vf v) { return __builtin_convertvector(v, vd); }

// MARK: - Elementary functions

/// e^x: x = n ln2 + r, |r| ≤ ln2/2, degree-6 polynomial, 2ⁿ through the exponent bits (split in two factors
/// so n = 128 works). Below −87.3: 0; above 88.7: saturates near float max.
INLINE vf v_exp(vf x) {
    const float lo = -87.3f, hi = 88.7f;
    vf xc = x < lo ? SPLAT(lo) : x;
    xc = xc > hi ? SPLAT(hi) : xc;
    vf k = FMA(xc, SPLAT(1.44269504088896341f), SPLAT(12582912.0f));   // round to nearest via 1.5·2²³
    vf n = k - 12582912.0f;
    vf r = xc - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    vf p = FMA(r, SPLAT(1.9875691500e-4f), SPLAT(1.3981999507e-3f));
    p = FMA(p, r, SPLAT(8.3334519073e-3f));
    p = FMA(p, r, SPLAT(4.1665795894e-2f));
    p = FMA(p, r, SPLAT(1.6666665459e-1f));
    p = FMA(p, r, SPLAT(5.0000001201e-1f));
    vf e = r + p * r * r + 1.0f;
    vi ni = (vi)k - 0x4B400000;
    vi half = ni >> 1;
    vf s1 = (vf)((half + 127) << 23);
    vf s2 = (vf)((ni - half + 127) << 23);
    vf out = e * s1 * s2;
    return x < lo ? SPLAT(0.0f) : out;
}

/// ln x for positive normal x: mantissa in [√½, √2), degree-9 polynomial.
INLINE vf v_log(vf x) {
    vi bits = (vi)x;
    vf e = __builtin_convertvector(((bits >> 23) & 0xFF) - 127, vf);
    vf m = (vf)((bits & 0x007FFFFF) | 0x3F800000);
    vi big = m > 1.41421356237f;
    m = big ? m * 0.5f : m;
    e = big ? e + 1.0f : e;
    vf f = m - 1.0f;
    vf z = f * f;
    vf p = FMA(f, SPLAT(7.0376836292e-2f), SPLAT(-1.1514610310e-1f));
    p = FMA(p, f, SPLAT(1.1676998740e-1f));
    p = FMA(p, f, SPLAT(-1.2420140846e-1f));
    p = FMA(p, f, SPLAT(1.4249322787e-1f));
    p = FMA(p, f, SPLAT(-1.6668057665e-1f));
    p = FMA(p, f, SPLAT(2.0000714765e-1f));
    p = FMA(p, f, SPLAT(-2.4999993993e-1f));
    p = FMA(p, f, SPLAT(3.3333331174e-1f));
    vf y = p * f * z;
    y = y - e * 2.12194440e-4f;
    y = y - z * 0.5f;
    return f + y + e * 0.693359375f;
}

/// ln(1 + x) with full relative accuracy for tiny x: log(u)·x/(u − 1), u = 1 + x.
INLINE vf v_log1p(vf x) {
    vf u = 1.0f + x;
    vf d = u - 1.0f;
    vf r = v_log(u) * (x / d);
    return d == 0.0f ? x : r;
}

/// σ(x) from e = e^−|x|, without overflow.
INLINE vf v_sigmoid_e(vf x, vf e) { return (x < 0.0f ? e : SPLAT(1.0f)) / (1.0f + e); }

/// Φ(x) and φ(x) sharing one exponential: Φ(x) = erfc(−x/√2)/2 with A&S 7.1.26, e^(−x²/2) = √(2π) φ(x).
INLINE void v_normal(vf v, vf *cdf, vf *pdf) {
    vf z = vabs(v) * 0.70710678118654752440f;
    vf t = 1.0f / (1.0f + 0.3275911f * z);
    vf p = 1.061405429f * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    vf e = v_exp(v * v * -0.5f);
    vf half = 0.5f * (p * t) * e;
    *cdf = v < 0.0f ? half : 1.0f - half;
    *pdf = e * 0.39894228040143267794f;
}

// MARK: - Elementwise

#define MAP(name, expr)                                                               \
    static void name(const float *x, float *y, long n) {                            \
        long i = 0;                                                                  \
        for (; i + W <= n; i += W) { vf v = loadu(x + i); storeu(y + i, (expr)); }   \
        if (i < n) { vf v = load_part(x + i, n - i, 0); store_part(y + i, (expr), n - i); } \
    }

MAP(k_exp, v_exp(v))
MAP(k_log, v_log(v))
MAP(k_sigmoid, v_sigmoid_e(v, v_exp(-vabs(v))))

INLINE vf gelu1(vf v) { vf c, p; v_normal(v, &c, &p); return v * c; }
MAP(k_gelu, gelu1(v))

static void k_gelu_slope(const float *x, float *y, float *slope, long n) {
    for (long i = 0; i < n; i += W) {
        long m = n - i < W ? n - i : W;
        vf v = m == W ? loadu(x + i) : load_part(x + i, m, 0);
        vf c, p;
        v_normal(v, &c, &p);
        vf a = v * c, s = c + v * p;
        if (m == W) { storeu(y + i, a); storeu(slope + i, s); }
        else { store_part(y + i, a, m); store_part(slope + i, s, m); }
    }
}

static void k_bce(const float *z, const float *y, const float *w, float *loss, float *sig, long n) {
    for (long i = 0; i < n; i += W) {
        long m = n - i < W ? n - i : W;
        vf zv = m == W ? loadu(z + i) : load_part(z + i, m, 0);
        vf yv = m == W ? loadu(y + i) : load_part(y + i, m, 0);
        vf e = v_exp(-vabs(zv));
        vf l = (zv < 0.0f ? SPLAT(0.0f) : zv) - zv * yv + v_log1p(e);
        if (w) l *= m == W ? loadu(w + i) : load_part(w + i, m, 0);
        if (m == W) storeu(loss + i, l); else store_part(loss + i, l, m);
        if (sig) {
            vf s = v_sigmoid_e(zv, e);
            if (m == W) storeu(sig + i, s); else store_part(sig + i, s, m);
        }
    }
}

static void k_bce_backward(const float *g, const float *sig, const float *y, const float *w, float *d, long n) {
    for (long i = 0; i < n; i += W) {
        long m = n - i < W ? n - i : W;
        if (m == W) {
            vf s = (loadu(sig + i) - loadu(y + i)) * loadu(g + i);
            if (w) s *= loadu(w + i);
            storeu(d + i, s);
        } else {
            for (long j = i; j < n; j++) d[j] = (sig[j] - y[j]) * g[j] * (w ? w[j] : 1.0f);
        }
    }
}

// MARK: - Rows

static void k_layernorm_forward(const float *x, const float *w, const float *b, long rows, long c, float eps,
                                float *out, float *mean, float *rstd) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * c;
        float *yr = out + r * c;
        vd acc = 0;
        long j = 0;
        for (; j + W <= c; j += W) acc += widen(loadu(xr + j));
        double s = hsumd(acc);
        for (; j < c; j++) s += xr[j];
        double mu = s / (double)c;
        vd dev = 0;
        vd mv = mu;
        for (j = 0; j + W <= c; j += W) { vd d = widen(loadu(xr + j)) - mv; dev += d * d; }
        double v = hsumd(dev);
        for (; j < c; j++) { double d = xr[j] - mu; v += d * d; }
        double rs = 1.0 / sqrt(v / (double)c + (double)eps);
        float m = (float)mu, rsf = (float)rs;
        mean[r] = m; rstd[r] = rsf;
        if (w && b) {
            for (j = 0; j + W <= c; j += W) storeu(yr + j, (loadu(xr + j) - m) * rsf * loadu(w + j) + loadu(b + j));
            for (; j < c; j++) yr[j] = (xr[j] - m) * rsf * w[j] + b[j];
        } else {
            for (j = 0; j + W <= c; j += W) storeu(yr + j, (loadu(xr + j) - m) * rsf);
            for (; j < c; j++) yr[j] = (xr[j] - m) * rsf;
        }
    }
}

static void k_layernorm_backward(const float *dout, const float *x, const float *w, const float *mean,
                                 const float *rstd, long rows, long c, float *dx, double *dw_sum, double *db_sum) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * c, *gr = dout + r * c;
        const float m = mean[r], rs = rstd[r];
        if (dx) {
            vd sg = 0, sgx = 0;
            long j = 0;
            for (; j + W <= c; j += W) {
                vf gh = loadu(gr + j);
                if (w) gh *= loadu(w + j);
                vf xh = (loadu(xr + j) - m) * rs;
                sg += widen(gh);
                sgx += widen(gh * xh);
            }
            double s1 = hsumd(sg), s2 = hsumd(sgx);
            for (; j < c; j++) {
                float gh = gr[j] * (w ? w[j] : 1.0f), xh = (xr[j] - m) * rs;
                s1 += gh; s2 += (double)(gh * xh);
            }
            const float mg = (float)(s1 / (double)c), mgx = (float)(s2 / (double)c);
            float *dr = dx + r * c;
            for (j = 0; j + W <= c; j += W) {
                vf gh = loadu(gr + j);
                if (w) gh *= loadu(w + j);
                vf xh = (loadu(xr + j) - m) * rs;
                storeu(dr + j, rs * (gh - mg - xh * mgx));
            }
            for (; j < c; j++) {
                float gh = gr[j] * (w ? w[j] : 1.0f), xh = (xr[j] - m) * rs;
                dr[j] = rs * (gh - mg - xh * mgx);
            }
        }
        if (dw_sum || db_sum) {
            long j = 0;
            for (; j + W <= c; j += W) {
                vf g = loadu(gr + j);
                vf xh = (loadu(xr + j) - m) * rs;
                if (dw_sum) { vd t; memcpy(&t, dw_sum + j, sizeof t); t += widen(g * xh); memcpy(dw_sum + j, &t, sizeof t); }
                if (db_sum) { vd t; memcpy(&t, db_sum + j, sizeof t); t += widen(g); memcpy(db_sum + j, &t, sizeof t); }
            }
            for (; j < c; j++) {
                float g = gr[j], xh = (xr[j] - m) * rs;
                if (dw_sum) dw_sum[j] += (double)(g * xh);
                if (db_sum) db_sum[j] += (double)g;
            }
        }
    }
}

/// Softmax of one row of n in place; returns max + log Σ exp.
INLINE float softmax_row(float *x, long n) {
    vf mv = SPLAT(-INFINITY);
    long j = 0;
    for (; j + W <= n; j += W) { vf v = loadu(x + j); mv = v > mv ? v : mv; }
    float m = hmax(mv);
    for (; j < n; j++) m = x[j] > m ? x[j] : m;
    vf acc = 0;
    for (j = 0; j + W <= n; j += W) { vf e = v_exp(loadu(x + j) - m); storeu(x + j, e); acc += e; }
    float s = hsum(acc);
    if (j < n) {
        vf e = v_exp(load_part(x + j, n - j, 0) - m);
        store_part(x + j, e, n - j);
        for (long t = 0; t < n - j; t++) s += e[t];
    }
    const float inv = 1.0f / s;
    for (j = 0; j + W <= n; j += W) storeu(x + j, loadu(x + j) * inv);
    for (; j < n; j++) x[j] *= inv;
    return m + v_log(SPLAT(s))[0];
}

static void k_softmax_rows(float *x, long rows, long n, long ld, float *lse) {
    for (long r = 0; r < rows; r++) {
        float l = softmax_row(x + r * ld, n);
        if (lse) lse[r] = l;
    }
}

INLINE float dot(const float *a, const float *b, long n) {
    vf acc = 0;
    long j = 0;
    for (; j + W <= n; j += W) acc = FMA(loadu(a + j), loadu(b + j), acc);
    float s = hsum(acc);
    for (; j < n; j++) s += a[j] * b[j];
    return s;
}

static void k_softmax_backward_rows(const float *y, const float *g, float *d, long rows, long n) {
    for (long r = 0; r < rows; r++) {
        const float *yr = y + r * n, *gr = g + r * n;
        float *dr = d + r * n;
        const float s = dot(gr, yr, n);
        long j = 0;
        for (; j + W <= n; j += W) storeu(dr + j, loadu(yr + j) * (loadu(gr + j) - s));
        for (; j < n; j++) dr[j] = yr[j] * (gr[j] - s);
    }
}

static void k_column_sums(const float *x, long rows, long cols, long c0, long c1, float *out) {
    for (long c = c0; c < c1; c += W) {
        const long m = c1 - c < W ? c1 - c : W;
        vd acc = 0;
        for (long r = 0; r < rows; r += 32) {
            vf block = 0;
            const long end = r + 32 < rows ? r + 32 : rows;
            for (long row = r; row < end; row++)
                block += m == W ? loadu(x + row * cols + c) : load_part(x + row * cols + c, m, 0);
            acc += widen(block);
        }
        for (long j = 0; j < m; j++) out[c + j] = (float)acc[j];
    }
}

static double k_sum_squares(const float *x, long n) {
    vd acc = 0;
    long i = 0;
    for (; i + W <= n; i += W) { vd v = widen(loadu(x + i)); acc += v * v; }
    double s = hsumd(acc);
    for (; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}

// MARK: - Attention

/// Small GEMM for attention: C[m, n] = alpha · A B, where A(i, l) = a[i·ars + l·acs] (any strides) and B is
/// row-major with rows of n contiguous floats at distance ldb. Register blocks of MR rows × NV vectors (6 × 2 with
/// 8-float vectors, the 12 accumulators of the classic AVX2 kernel; 8 × 2 with 16 floats). Every output is
/// one accumulator summed over l in order, whatever the block, so results do not depend on the blocking.
INLINE void gemm_block(int mr, int nv, long kdim, float alpha, const float *a, long ars, long acs, const float *b,
                       long ldb, float *c, long ldc) {
    vf acc[8][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < 8; r++) { acc[r][0] = 0; acc[r][1] = 0; }
    for (long l = 0; l < kdim; l++) {
        const float *br = b + l * ldb;
        vf b0 = loadu(br), b1 = nv > 1 ? loadu(br + W) : b0;
#pragma clang loop unroll(full)
        for (int r = 0; r < 8; r++) {
            if (r < mr) {
                vf x = SPLAT(a[r * ars + l * acs]);
                acc[r][0] = FMA(x, b0, acc[r][0]);
                if (nv > 1) acc[r][1] = FMA(x, b1, acc[r][1]);
            }
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < 8; r++) {
        if (r < mr) {
            storeu(c + r * ldc, alpha * acc[r][0]);
            if (nv > 1) storeu(c + r * ldc + W, alpha * acc[r][1]);
        }
    }
}

#define GEMM_MR (W == 8 ? 6 : 8)

/// Columns [j0, n) of rows [i0, i0 + mr): vectors of W, then scalars.
INLINE void gemm_rows(int mr, long j0, long n, long kdim, float alpha, const float *a, long ars, long acs,
                      const float *b, long ldb, float *c, long ldc) {
    long j = j0;
    for (; j + 2 * W <= n; j += 2 * W) gemm_block(mr, 2, kdim, alpha, a, ars, acs, b + j, ldb, c + j, ldc);
    for (; j + W <= n; j += W) gemm_block(mr, 1, kdim, alpha, a, ars, acs, b + j, ldb, c + j, ldc);
    for (; j < n; j++) {
        for (int r = 0; r < mr; r++) {
            float s = 0;
            for (long l = 0; l < kdim; l++) s += a[r * ars + l * acs] * b[l * ldb + j];
            c[r * ldc + j] = alpha * s;
        }
    }
}

static void small_gemm(long m, long n, long kdim, float alpha, const float *a, long ars, long acs,
                       const float *b, long ldb, float *c, long ldc) {
    long i = 0;
    for (; i + GEMM_MR <= m; i += GEMM_MR)
        gemm_rows(GEMM_MR, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc);
    switch (m - i) {   // the last rows, one block of their own count
    case 7: gemm_rows(7, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc); break;
    case 6: gemm_rows(6, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc); break;
    case 5: gemm_rows(5, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc); break;
    case 4: gemm_rows(4, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc); break;
    case 3: gemm_rows(3, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc); break;
    case 2: gemm_rows(2, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc); break;
    case 1: gemm_rows(1, 0, n, kdim, alpha, a + i * ars, ars, acs, b, ldb, c + i * ldc, ldc); break;
    default: break;
    }
}

/// dst[c, r] = src[r, c] for r < rows, c < cols; columns [rows, ld) of dst are zero.
static void transpose_pad(const float *src, long rows, long cols, long src_row, float *dst, long ld) {
    for (long c = 0; c < cols; c++) {
        float *d = dst + c * ld;
        for (long r = 0; r < rows; r++) d[r] = src[r * src_row + c];
        for (long r = rows; r < ld; r++) d[r] = 0;
    }
}

INLINE long round_up(long n) { return (n + 15) & ~15L; }

static void k_attention_forward(const rk_attention *a) {
    const long lq = a->lq, lk = a->lk, d = a->d, ld = round_up(lk);
    float *kt = a->scratch, *s = kt + d * ld;
    transpose_pad(a->k, lk, d, a->k_row, kt, ld);                       // Kᵀ [d, ld]
    small_gemm(lq, ld, d, a->scale, a->q, a->q_row, 1, kt, ld, s, ld);  // S = s · Q Kᵀ [lq, ld]
    k_softmax_rows(s, lq, lk, ld, a->lse);
    if (a->probabilities)
        for (long i = 0; i < lq; i++) memcpy(a->probabilities + i * lk, s + i * ld, (size_t)lk * sizeof(float));
    small_gemm(lq, d, lk, 1.0f, s, ld, 1, a->v, a->v_row, a->out, a->out_row);   // O = P V
}

static void k_attention_backward(const rk_attention *a) {
    const long lq = a->lq, lk = a->lk, d = a->d, ld = round_up(lk);
    float *kt = a->scratch, *p = kt + d * ld, *dp = p + lq * ld, *delta = dp + lq * ld;
    transpose_pad(a->k, lk, d, a->k_row, kt, ld);
    small_gemm(lq, ld, d, a->scale, a->q, a->q_row, 1, kt, ld, p, ld);
    for (long i = 0; i < lq; i++) {   // P = exp(S − lse), recomputed
        float *row = p + i * ld;
        const float shift = a->lse[i];
        long j = 0;
        for (; j + W <= lk; j += W) storeu(row + j, v_exp(loadu(row + j) - shift));
        if (j < lk) store_part(row + j, v_exp(load_part(row + j, lk - j, 0) - shift), lk - j);
        delta[i] = dot(a->dout + i * a->out_row, a->out + i * a->out_row, d);
    }
    // dV = Pᵀ dO
    if (a->dv) small_gemm(lk, d, lq, 1.0f, p, 1, ld, a->dout, a->out_row, a->dv, a->dv_row);
    // dP = dO Vᵀ  (Vᵀ reuses the Kᵀ buffer)
    transpose_pad(a->v, lk, d, a->v_row, kt, ld);
    small_gemm(lq, ld, d, 1.0f, a->dout, a->out_row, 1, kt, ld, dp, ld);
    // dS = P ∘ (dP − δ)
    for (long i = 0; i < lq; i++) {
        float *pr = p + i * ld, *dr = dp + i * ld;
        const float di = delta[i];
        long j = 0;
        for (; j + W <= lk; j += W) storeu(dr + j, loadu(pr + j) * (loadu(dr + j) - di));
        for (; j < lk; j++) dr[j] = pr[j] * (dr[j] - di);
    }
    // dQ = s · dS K ; dK = s · dSᵀ Q
    if (a->dq) small_gemm(lq, d, lk, a->scale, dp, ld, 1, a->k, a->k_row, a->dq, a->dq_row);
    if (a->dk) small_gemm(lk, d, lq, a->scale, dp, 1, ld, a->q, a->q_row, a->dk, a->dk_row);
}

// MARK: - Optimizer

static long k_adamw(float *p, const float *g, float *m, float *v, long n, const rk_adamw_params *hp) {
    const float decay = 1.0f - hp->lr * hp->weight_decay, b1 = hp->beta1, b2 = hp->beta2;
    const float c1 = 1.0f - b1, c2 = 1.0f - b2, eps = hp->eps, step = -hp->step_size, bc2 = hp->bc2_sqrt;
    const int decays = hp->weight_decay != 0.0f;
    vi badv = 0;   // −1 per non-finite lane
    long bad = 0;
    long i = 0;
    for (; i + W <= n; i += W) {
        vf pv = loadu(p + i), gv = loadu(g + i), mv = loadu(m + i), vv = loadu(v + i);
        if (decays) pv = pv * decay;
        mv = mv + c1 * (gv - mv);
        vv = vv * b2 + c2 * gv * gv;
        vf denom = __builtin_elementwise_sqrt(vv) / bc2 + eps;
        pv = pv + step * (mv / denom);
        storeu(p + i, pv); storeu(m + i, mv); storeu(v + i, vv);
        badv += ((pv - pv) != 0.0f) | ((vv - vv) != 0.0f);   // true (−1) for ±inf and NaN
    }
    for (int j = 0; j < W; j++) bad -= badv[j];
    for (; i < n; i++) {
        float pi = p[i], gi = g[i];
        if (decays) pi *= decay;
        m[i] += c1 * (gi - m[i]);
        v[i] = v[i] * b2 + c2 * gi * gi;
        const float denom = sqrtf(v[i]) / bc2 + eps;
        pi += step * (m[i] / denom);
        p[i] = pi;
        bad += !((pi - pi) == 0.0f) || !((v[i] - v[i]) == 0.0f);
    }
    return bad;
}

const rk_table TABLE = {
    .name = ISA_NAME,
    .exp = k_exp, .log = k_log, .sigmoid = k_sigmoid, .gelu = k_gelu, .gelu_slope = k_gelu_slope,
    .bce = k_bce, .bce_backward = k_bce_backward,
    .layernorm_forward = k_layernorm_forward, .layernorm_backward = k_layernorm_backward,
    .softmax_rows = k_softmax_rows, .softmax_backward_rows = k_softmax_backward_rows,
    .column_sums = k_column_sums, .sum_squares = k_sum_squares,
    .attention_forward = k_attention_forward, .attention_backward = k_attention_backward,
    .adamw = k_adamw,
};

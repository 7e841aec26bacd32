// The bodies of CKernels.h: a portable one of each kernel, and on x86-64 an AVX-512 one chosen
// at run time. See the header for what each computes; the AVX-512 bodies compute the same.
#include "CKernels.h"
// No fused multiply-adds but the ones written as fmaf/intrinsics: the kernels must round as the
// Swift code they replace does. (A pragma, not -ffp-contract=off: unsafeFlags would stop HSAE from
// being another package's dependency.)
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define HSAE_X86 1
#include <immintrin.h>
#endif

// ---- portable bodies -------------------------------------------------------------------------

/// The selection rule over j in [from, to), appending at idx/val + n; returns the new n.
static inline long keep_range(const float *p, const float *c, long from, long to, float tau, long *ties,
                              float *z, int32_t *idx, float *val, long n) {
    long t = *ties;
    for (long j = from; j < to; j++) {
        float v = c ? p[j] + c[j] : p[j];
        int kept = v > tau;
        if (!kept && v == tau && t > 0) { kept = 1; t--; }
        if (kept && v > 0) { idx[n] = (int32_t)j; val[n] = v; n++; z[j] = v; } else { z[j] = 0; }
    }
    *ties = t;
    return n;
}

static long keep_row_portable(const float *p, const float *c, long m, float tau, long *ties,
                              float *z, int32_t *idx, float *val) {
    return keep_range(p, c, 0, m, tau, ties, z, idx, val, 0);
}

static long prefilter_row_portable(const float *x, const float *c, long n, long keep, float *candidates) {
    long g = n / keep, groups = n / g;
    float bound = INFINITY;
    for (long q = 0; q < groups; q++) {
        float groupMax = -INFINITY;
        for (long j = q * g; j < (q + 1) * g; j++) {
            float v = c ? x[j] + c[j] : x[j];
            groupMax = v > groupMax ? v : groupMax;
        }
        bound = groupMax < bound ? groupMax : bound;
    }
    long count = 0, nans = 0;
    for (long j = 0; j < n; j++) {
        float v = c ? x[j] + c[j] : x[j];
        candidates[count] = v;
        count += v >= bound;
        nans += v != v;
    }
    return nans ? -1 : count;
}

static float select_portable(const float *a, long n, long keep, long *ties) {
    for (long i = 0; i < n; i++) {
        long greater = 0, equal = 0;
        for (long j = 0; j < n; j++) { greater += a[j] > a[i]; equal += a[j] == a[i]; }
        if (greater < keep && keep <= greater + equal) { *ties = keep - greater; return a[i]; }
    }
    __builtin_trap();  // unreachable without NaN: the keep-th largest is one of the values
}

static void axpy_portable(long n, float a, const float *x, float *y) {
    for (long i = 0; i < n; i++) y[i] = fmaf(a, x[i], y[i]);
}

// From here to the end of the file no contraction into fused multiply-adds: Adam's update and the
// fixed-point conversion round after every operation (Package.swift also passes -ffp-contract=off,
// for compilers that ignore this pragma).
#pragma STDC FP_CONTRACT OFF
static inline void adam_range(long from, long to, float *p, const float *g, float *m, float *v, float clip,
                              float b1, float b2, float stepSize, float invC2, float eps) {
    const float a1 = 1.0f - b1, a2 = 1.0f - b2;
    for (long i = from; i < to; i++) {
        float gi = g[i] * clip;
        float mi = b1 * m[i] + a1 * gi;
        float vi = b2 * v[i] + a2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= stepSize * mi / (sqrtf(vi * invC2) + eps);
    }
}

static float max_abs_portable(long n, const float *x) {
    float acc = 0;
    for (long i = 0; i < n; i++) { float a = fabsf(x[i]); acc = a >= acc ? a : acc; }
    return acc;
}

// ---- AVX-512 bodies ----------------------------------------------------------------------------

#ifdef HSAE_X86
#define AVX512 __attribute__((target("avx512f,fma,popcnt")))
// Compression goes to a register and then a masked store: a compressing store straight to memory
// (vcompressps m512) is microcoded on AMD Zen 4 and made these kernels slower than scalar code.

AVX512 static inline __mmask16 tail_mask(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

/// v = x + c on the lanes of `lanes` (c may be NULL), `fill` elsewhere.
AVX512 static inline __m512 load_sum(const float *x, const float *c, __mmask16 lanes, __m512 fill) {
    __m512 v = _mm512_mask_loadu_ps(fill, lanes, x);
    return c ? _mm512_mask_add_ps(fill, lanes, v, _mm512_maskz_loadu_ps(lanes, c)) : v;
}

AVX512 static long keep_row_avx512(const float *p, const float *c, long m, float tau, long *ties,
                                   float *z, int32_t *idx, float *val) {
    const __m512 vtau = _mm512_set1_ps(tau), zero = _mm512_setzero_ps();
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    long n = 0, t = *ties;
    for (long j = 0; j < m; j += 16) {
        __mmask16 lanes = tail_mask(m - j);
        __m512 v = load_sum(p + j, c ? c + j : 0, lanes, zero);
        if (t > 0 && _mm512_mask_cmp_ps_mask(lanes, v, vtau, _CMP_EQ_OQ)) {
            // A tie that may be kept: this block in index order, by the portable body's rule.
            n = keep_range(p, c, j, m - j < 16 ? m : j + 16, tau, &t, z, idx, val, n);
            continue;
        }
        __mmask16 kept = _mm512_mask_cmp_ps_mask(lanes, v, vtau, _CMP_GT_OQ) & _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
        _mm512_mask_storeu_ps(z + j, lanes, _mm512_maskz_mov_ps(kept, v));
        int count = __builtin_popcount((unsigned)kept);
        __mmask16 out = tail_mask(count);
        _mm512_mask_storeu_epi32(idx + n, out, _mm512_maskz_compress_epi32(kept, _mm512_add_epi32(iota, _mm512_set1_epi32((int)j))));
        _mm512_mask_storeu_ps(val + n, out, _mm512_maskz_compress_ps(kept, v));
        n += count;
    }
    *ties = t;
    return n;
}

AVX512 static long prefilter_row_avx512(const float *x, const float *c, long n, long keep, float *candidates) {
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    long g = n / keep, groups = n / g;
    float bound = INFINITY;
    for (long q = 0; q < groups; q++) {
        __m512 gm = ninf;
        for (long j = q * g, end = (q + 1) * g; j < end; j += 16) {
            __mmask16 lanes = tail_mask(end - j);
            gm = _mm512_max_ps(gm, load_sum(x + j, c ? c + j : 0, lanes, ninf));
        }
        float groupMax = _mm512_reduce_max_ps(gm);
        bound = groupMax < bound ? groupMax : bound;
    }
    // A NaN can make `bound` anything; such a row is reported below and selected over in full.
    const __m512 vb = _mm512_set1_ps(bound);
    long count = 0;
    __mmask16 nans = 0;
    for (long j = 0; j < n; j += 16) {
        __mmask16 lanes = tail_mask(n - j);
        __m512 v = load_sum(x + j, c ? c + j : 0, lanes, ninf);
        __mmask16 ge = _mm512_mask_cmp_ps_mask(lanes, v, vb, _CMP_GE_OQ);
        nans |= _mm512_mask_cmp_ps_mask(lanes, v, v, _CMP_UNORD_Q);
        int kept = __builtin_popcount((unsigned)ge);
        _mm512_mask_storeu_ps(candidates + count, tail_mask(kept), _mm512_maskz_compress_ps(ge, v));
        count += kept;
    }
    return nans ? -1 : count;
}
AVX512 static float select_avx512(const float *a, long n, long keep, long *ties) {
    for (long i = 0; i < n; i++) {
        const __m512 v = _mm512_set1_ps(a[i]);
        long greater = 0, equal = 0;
        for (long j = 0; j < n; j += 16) {
            __mmask16 lanes = tail_mask(n - j);
            __m512 x = _mm512_maskz_loadu_ps(lanes, a + j);
            greater += __builtin_popcount((unsigned)_mm512_mask_cmp_ps_mask(lanes, x, v, _CMP_GT_OQ));
            equal += __builtin_popcount((unsigned)_mm512_mask_cmp_ps_mask(lanes, x, v, _CMP_EQ_OQ));
        }
        if (greater < keep && keep <= greater + equal) { *ties = keep - greater; return a[i]; }
    }
    __builtin_trap();
}

AVX512 static void axpy_avx512(long n, float a, const float *x, float *y) {
    const __m512 va = _mm512_set1_ps(a);
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        __mmask16 lanes = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, lanes, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(lanes, x + i), _mm512_maskz_loadu_ps(lanes, y + i)));
    }
}
#endif

// ---- dispatch ----------------------------------------------------------------------------------

static int best_isa(void) {
#ifdef HSAE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("popcnt"))
        return HSAE_ISA_AVX512;
#endif
    return HSAE_ISA_PORTABLE;
}

// −1 until first asked: the CPU is probed once; a choice made by hsae_isa_select meanwhile stands.
static int active = -1;

// The first choice: the best body, or the portable one when HSAE_VECTOR_KERNELS=portable (what a
// CPU without AVX-512 runs; scripts/test-kernels sets it to run the tests as such a CPU would).
int hsae_isa_initial(void) {
    const char *forced = getenv("HSAE_VECTOR_KERNELS");
    if (forced && strcmp(forced, "portable") == 0) return HSAE_ISA_PORTABLE;
    return best_isa();
}

int hsae_isa_best(void) { return best_isa(); }

int hsae_isa_active(void) {
    int isa = __atomic_load_n(&active, __ATOMIC_RELAXED);
    if (isa < 0) {
        int expected = -1, best = hsae_isa_initial();
        isa = __atomic_compare_exchange_n(&active, &expected, best, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED) ? best : expected;
    }
    return isa;
}

int hsae_isa_select(int isa) {
    int best = best_isa();
    int chosen = isa < 0 ? hsae_isa_initial() : isa > best ? best : isa;
    __atomic_store_n(&active, chosen, __ATOMIC_RELAXED);
    return chosen;
}

long hsae_keep_row_f32(const float *p, const float *c, long m, float tau, long *ties,
                       float *z, int32_t *idx, float *val) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) return keep_row_avx512(p, c, m, tau, ties, z, idx, val);
#endif
    return keep_row_portable(p, c, m, tau, ties, z, idx, val);
}

long hsae_prefilter_row_f32(const float *x, const float *c, long n, long keep, float *candidates) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) return prefilter_row_avx512(x, c, n, keep, candidates);
#endif
    return prefilter_row_portable(x, c, n, keep, candidates);
}

#ifdef HSAE_X86
AVX512 static void adam_avx512(long n, float *p, const float *g, float *m, float *v, float clip, float b1, float b2,
                               float stepSize, float invC2, float eps) {
    const __m512 vclip = _mm512_set1_ps(clip), vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2),
                 va1 = _mm512_set1_ps(1.0f - b1), va2 = _mm512_set1_ps(1.0f - b2), vstep = _mm512_set1_ps(stepSize),
                 vinv = _mm512_set1_ps(invC2), veps = _mm512_set1_ps(eps);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 gi = _mm512_mul_ps(_mm512_loadu_ps(g + i), vclip);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(va1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(va2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 den = _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vi, vinv)), veps);
        _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_loadu_ps(p + i), _mm512_div_ps(_mm512_mul_ps(vstep, mi), den)));
    }
    adam_range(i, n, p, g, m, v, clip, b1, b2, stepSize, invC2, eps);
}

AVX512 static float max_abs_avx512(long n, const float *x) {
    const __m512 zero = _mm512_setzero_ps();
    __m512 acc = zero;
    for (long i = 0; i < n; i += 16) {
        __mmask16 lanes = tail_mask(n - i);
        // max_ps returns its second operand when either is NaN: a NaN leaves acc as it was.
        acc = _mm512_max_ps(_mm512_abs_ps(_mm512_mask_loadu_ps(zero, lanes, x + i)), acc);
    }
    return _mm512_reduce_max_ps(acc);
}
#endif

void hsae_adam_f32(long n, float *p, const float *g, float *m, float *v, float clip, float b1, float b2,
                   float stepSize, float invC2, float eps) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) { adam_avx512(n, p, g, m, v, clip, b1, b2, stepSize, invC2, eps); return; }
#endif
    adam_range(0, n, p, g, m, v, clip, b1, b2, stepSize, invC2, eps);
}

float hsae_max_abs_f32(long n, const float *x) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) return max_abs_avx512(n, x);
#endif
    return max_abs_portable(n, x);
}

void hsae_axpy_f32(long n, float a, const float *x, float *y) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) { axpy_avx512(n, a, x, y); return; }
#endif
    axpy_portable(n, a, x, y);
}

float hsae_select_f32(const float *a, long n, long keep, long *ties) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) return select_avx512(a, n, keep, ties);
#endif
    return select_portable(a, n, keep, ties);
}

/// 1.5 · 2^52 (FixedPoint.accumulate): c + it leaves round(c) in the low mantissa bits for |c| < 2^51.
#define FIXED_MAGIC 6755399441055744.0

// Swift's max(v, −lim) is (−lim >= v ? −lim : v) and min(m, lim) is (lim < m ? lim : m): written
// out so that a NaN propagates exactly as there.
static inline int64_t fixed_range(long from, long to, const float *g, double scale, double lim, int64_t *acc, int overwrite,
                                  int64_t *nonfinite) {
    const double magic = FIXED_MAGIC;
    int64_t magicBits, clamped = 0, bad = 0;
    memcpy(&magicBits, &magic, sizeof magicBits);
    for (long i = from; i < to; i++) {
        bad += !(fabsf(g[i]) < INFINITY);
        double v = (double)g[i] * scale;
        double m = -lim >= v ? -lim : v;
        double c = lim < m ? lim : m;
        clamped += fabs(v) > lim;
        double t = c + magic;
        uint64_t bits;
        memcpy(&bits, &t, sizeof bits);
        uint64_t value = bits - (uint64_t)magicBits;
        acc[i] = overwrite ? (int64_t)value : (int64_t)((uint64_t)acc[i] + value);
    }
    *nonfinite += bad;
    return clamped;
}

#ifdef HSAE_X86
AVX512 static int64_t fixed_accumulate_avx512(long n, const float *g, double scale, double lim, int64_t *acc, int overwrite,
                                               int64_t *nonfinite) {
    const __m512d vscale = _mm512_set1_pd(scale), vlim = _mm512_set1_pd(lim), vneg = _mm512_set1_pd(-lim),
                  vmagic = _mm512_set1_pd(FIXED_MAGIC), vinf = _mm512_set1_pd(INFINITY);
    const __m512i magicBits = _mm512_castpd_si512(vmagic);
    int64_t clamped = 0, bad = 0;
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d gi = _mm512_cvtps_pd(_mm256_loadu_ps(g + i));
        // Not less than ∞, unordered included: ±∞ and NaN (fixed_range's !(|g| < ∞)).
        bad += __builtin_popcount((unsigned)_mm512_cmp_pd_mask(_mm512_abs_pd(gi), vinf, _CMP_NLT_UQ));
        __m512d v = _mm512_mul_pd(gi, vscale);
        // max_pd/min_pd return their second operand when either is NaN: v first clamped as
        // max(−lim, v) then min(lim, ·) keeps a NaN, as the portable body does.
        __m512d c = _mm512_min_pd(vlim, _mm512_max_pd(vneg, v));
        clamped += __builtin_popcount((unsigned)_mm512_cmp_pd_mask(_mm512_abs_pd(v), vlim, _CMP_GT_OQ));
        __m512i value = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_add_pd(c, vmagic)), magicBits);
        if (!overwrite) value = _mm512_add_epi64(value, _mm512_loadu_si512(acc + i));
        _mm512_storeu_si512(acc + i, value);
    }
    *nonfinite += bad;
    return clamped + fixed_range(i, n, g, scale, lim, acc, overwrite, nonfinite);
}

AVX512 static void clamp_negative_avx512(long n, float *x) {
    const __m512 zero = _mm512_setzero_ps();
    for (long i = 0; i < n; i += 16) {
        __mmask16 lanes = tail_mask(n - i);
        __mmask16 negative = _mm512_mask_cmp_ps_mask(lanes, _mm512_maskz_loadu_ps(lanes, x + i), zero, _CMP_LT_OQ);
        if (negative) _mm512_mask_storeu_ps(x + i, negative, zero);
    }
}
#endif

int64_t hsae_fixed_accumulate_f32(long n, const float *g, double scale, double lim, int64_t *acc, int overwrite,
                                  int64_t *nonfinite) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) return fixed_accumulate_avx512(n, g, scale, lim, acc, overwrite, nonfinite);
#endif
    return fixed_range(0, n, g, scale, lim, acc, overwrite, nonfinite);
}

void hsae_clamp_negative_f32(long n, float *x) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) { clamp_negative_avx512(n, x); return; }
#endif
    for (long i = 0; i < n; i++) if (x[i] < 0) x[i] = 0;
}

double hsae_sum_squares_f32(long n, const float *x) {
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) s[j] += (double)x[i + j] * (double)x[i + j];
    for (int j = 0; i < n; i++, j++) s[j] += (double)x[i] * (double)x[i];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

void hsae_add_i64(long n, const int64_t *x, int64_t *y) {
    // Unsigned arithmetic: wrapping is defined (and the bits are those of the signed sum).
    const uint64_t *restrict a = (const uint64_t *)x;
    uint64_t *restrict b = (uint64_t *)y;
    for (long i = 0; i < n; i++) b[i] += a[i];
}

void hsae_gather_rows_f32(const float *source, long d, const int64_t *rows, long count, float *out) {
    const long ahead = 8, bytes = d * (long)sizeof(float);
    for (long k = 0; k < count; k++) {
        if (k + ahead < count) {
            const char *next = (const char *)(source + rows[k + ahead] * d);
            for (long b = 0; b < bytes; b += 64) __builtin_prefetch(next + b);
        }
        memcpy(out + k * d, source + rows[k] * d, (size_t)bytes);
    }
}

// ---- exp for the probes' softmax (hsae_exp_shifted_f64) ---------------------------------------

#define EXP_LOW (-708.0)
#define EXP_HIGH 709.0
#define EXP_LOG2E 1.4426950408889634074
#define EXP_LN2_HI 6.93147180369123816490e-01  /* 0x3fe62e42fee00000: j·LN2_HI is exact for |j| < 2^11 */
#define EXP_LN2_LO 1.90821492927058770002e-10  /* 0x3dea39ef35793c76 */

/// 1/k! for k = 13 … 0: the Horner order.
static const double exp_taylor[14] = {
    1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
    1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0,
};

/// e^a, every operation rounded as written (the AVX-512 body does the same per lane).
static inline double exp_one(double a) {
    a = a < EXP_LOW ? EXP_LOW : a;   // a NaN fails both comparisons and stays
    a = a > EXP_HIGH ? EXP_HIGH : a;
    double t = a * EXP_LOG2E + FIXED_MAGIC;   // round(a / ln 2) in the low mantissa bits
    double j = t - FIXED_MAGIC;
    double r = (a - j * EXP_LN2_HI) - j * EXP_LN2_LO;
    double p = exp_taylor[0];
    for (int k = 1; k < 14; k++) p = p * r + exp_taylor[k];
    int64_t tBits, magicBits, scaleBits;
    const double magic = FIXED_MAGIC;
    memcpy(&tBits, &t, sizeof t);
    memcpy(&magicBits, &magic, sizeof magic);
    scaleBits = (int64_t)((uint64_t)(tBits - magicBits + 1023) << 52);  // 2^j, j in [−1021, 1023]
    double scale;
    memcpy(&scale, &scaleBits, sizeof scale);
    return p * scale;
}

#ifdef HSAE_X86
AVX512 static void exp_shifted_avx512(long n, double *x, double shift) {
    const __m512d vshift = _mm512_set1_pd(shift), vlow = _mm512_set1_pd(EXP_LOW), vhigh = _mm512_set1_pd(EXP_HIGH),
                  vlog2e = _mm512_set1_pd(EXP_LOG2E), vmagic = _mm512_set1_pd(FIXED_MAGIC),
                  vhi = _mm512_set1_pd(EXP_LN2_HI), vlo = _mm512_set1_pd(EXP_LN2_LO);
    const __m512i magicBits = _mm512_castpd_si512(vmagic), bias = _mm512_set1_epi64(1023);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d a = _mm512_sub_pd(_mm512_loadu_pd(x + i), vshift);
        // max_pd/min_pd return their second operand when either is NaN: a NaN stays, as in exp_one.
        a = _mm512_min_pd(vhigh, _mm512_max_pd(vlow, a));
        __m512d t = _mm512_add_pd(_mm512_mul_pd(a, vlog2e), vmagic);
        __m512d j = _mm512_sub_pd(t, vmagic);
        __m512d r = _mm512_sub_pd(_mm512_sub_pd(a, _mm512_mul_pd(j, vhi)), _mm512_mul_pd(j, vlo));
        __m512d p = _mm512_set1_pd(exp_taylor[0]);
        for (int k = 1; k < 14; k++) p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(exp_taylor[k]));
        __m512i e = _mm512_slli_epi64(_mm512_add_epi64(_mm512_sub_epi64(_mm512_castpd_si512(t), magicBits), bias), 52);
        _mm512_storeu_pd(x + i, _mm512_mul_pd(p, _mm512_castsi512_pd(e)));
    }
    for (; i < n; i++) x[i] = exp_one(x[i] - shift);
}
#endif

double hsae_exp_shifted_f64(long n, double *x, double shift) {
#ifdef HSAE_X86
    if (hsae_isa_active() == HSAE_ISA_AVX512) {
        exp_shifted_avx512(n, x, shift);
    } else
#endif
    {
        for (long i = 0; i < n; i++) x[i] = exp_one(x[i] - shift);
    }
    double total = 0;
    for (long i = 0; i < n; i++) total += x[i];
    return total;
}

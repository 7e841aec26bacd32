// CKernels: the few element-wise kernels of the training step that want the CPU's vector width,
// in C so that one binary carries an AVX-512 body and a portable body and picks one at run time
// (Swift compiles for baseline x86-64). Every AVX-512 body computes exactly what its portable
// body computes — the same float operations on the same values, the same output order — so a
// model trains to the same bytes on either; tests check both against the Swift reference.
// hsae_select_f32 and hsae_axpy_f32 are called by hsae only with the AVX-512 body (without it,
// TopK runs its heap and Float.axpy OpenBLAS); their portable bodies are the reference tests use.
#ifndef HSAE_CKERNELS_H
#define HSAE_CKERNELS_H
#include <stdint.h>

/// The instruction sets a kernel body can use.
enum {
    HSAE_ISA_PORTABLE = 0,
    HSAE_ISA_AVX512 = 1,
};

/// The best body this CPU can run.
int hsae_isa_best(void);
/// The body used unless hsae_isa_select chooses another: the best one, or the portable one when
/// the environment has HSAE_VECTOR_KERNELS=portable (to run as a CPU without AVX-512 would).
int hsae_isa_initial(void);
/// The body in use (the initial one unless hsae_isa_select chose another).
int hsae_isa_active(void);
/// Uses `isa` (clamped to what the CPU can run); −1 restores the initial one. Returns the one now in use.
/// For tests and benchmarks: not thread-safe against kernels running at the same time.
int hsae_isa_select(int isa);

/// One row of a top-k (or threshold) selection over v[j] = p[j] + c[j] (c may be NULL: v = p):
/// keeps v > tau, and v == tau while *ties > 0 (lower index first, decrementing *ties), and of
/// those only v > 0. Writes z[j] = v where kept, else +0 (z may be p), appends the kept (j, v) to
/// idx/val in index order (room for m), and returns how many were kept.
long hsae_keep_row_f32(const float *p, const float *c, long m, float tau, long *ties,
                       float *z, int32_t *idx, float *val);

/// The top-k prefilter over one row v = x + c (c may be NULL), keep ≥ 1, n ≥ keep:
/// L = the least of the maxima of the n / g whole groups of g = n / keep consecutive values (at
/// least `keep` groups, so τ ≥ L: the same L as TopK's Swift loops over one row), and
/// the values ≥ L copied to `candidates` in index order (room for n). Returns their count, or
/// −1 when a value is NaN (the caller then selects over the whole row).
long hsae_prefilter_row_f32(const float *x, const float *c, long n, long keep, float *candidates);

/// The keep-th largest τ of a[0..<n] (1 ≤ keep ≤ n, no NaN) and *ties = keep − #{a > τ}, by
/// counting for each value how many are greater and equal (n² comparisons: for the few
/// candidates a prefilter leaves, where a heap's unpredictable branches cost more).
float hsae_select_f32(const float *a, long n, long keep, long *ties);

/// y[i] = fmaf(a, x[i], y[i]) for i < n: one rounding per element — the same floats as OpenBLAS
/// 0.3.21's Cooperlake saxpy on the development machine (checked for every n ≤ 300, tail included)
/// — without a BLAS call's overhead on short rows (a sparse kernel makes one per active latent).
void hsae_axpy_f32(long n, float a, const float *x, float *y);

/// One Adam step over n elements (Adam.step's loop; the constants as Adam computes them):
///     gi = g[i]·clip;  m[i] = b1·m[i] + (1 − b1)·gi;  v[i] = b2·v[i] + (1 − b2)·gi·gi
///     p[i] −= (stepSize·m[i]) / (sqrt(v[i]·invC2) + eps)
/// each operation rounded to float in this order, never fused (the same floats as the Swift loop
/// it replaces, which the compiler left scalar: four pointers it cannot prove apart).
void hsae_adam_f32(long n, float *p, const float *g, float *m, float *v, float clip, float b1, float b2,
                   float stepSize, float invC2, float eps);

/// max(|x[i]|) over i < n (0 for n = 0); a NaN is skipped, as Swift's max(acc, |x|) skips it.
float hsae_max_abs_f32(long n, const float *x);

/// Σ x[i]² over i < n in double, in a fixed order whatever the CPU: eight running sums, lane
/// i mod 8, then ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)). Each square of a float is exact
/// in double. A chunk of the gradient norm (TrainableSpace): the same value on every rank.
double hsae_sum_squares_f32(long n, const float *x);

/// Exact mode's conversion (FixedPoint.accumulate): for i < n, with v = (double)g[i]·scale and
/// c = v clamped to ±lim (Swift's min(max(v, −lim), lim): a NaN stays NaN),
/// acc[i] (+)= bits(c + 1.5·2^52) − bits(1.5·2^52) (= assigned when overwrite ≠ 0, else added,
/// wrapping). Returns how many |v| > lim, and adds to *nonfinite how many g[i] are NaN or ±∞ (the
/// trainer's finiteness check of a microbatch's gradient, in the pass that reads it anyway).
int64_t hsae_fixed_accumulate_f32(long n, const float *g, double scale, double lim, int64_t *acc, int overwrite,
                                  int64_t *nonfinite);

/// x[i] = +0 where x[i] < 0 (NaN and −0 stay), for i < n: the non-negative top decoder's projection.
void hsae_clamp_negative_f32(long n, float *x);

/// y[i] += x[i] for i < n, wrapping as two's complement (the sum MPI_SUM gives 64-bit integers).
void hsae_add_i64(long n, const int64_t *x, int64_t *y);

/// out[k·d ..< (k+1)·d] = source[rows[k]·d ..< (rows[k]+1)·d] for k < count (rows of an in-memory
/// data set, in any order), fetching the row eight ahead while it copies: rows spread over a large
/// buffer each wait for memory otherwise.
void hsae_gather_rows_f32(const float *source, long d, const int64_t *rows, long count, float *out);

/// The probes' softmax exponentials: x[k] = exp(x[k] − shift) for k < n, and returns their sum
/// taken in index order. exp is this file's own (not libm's, whose scalar calls were half of a
/// probe's time): e^a = 2^j · e^r with j = round(a / ln 2), r = a − j·ln 2 in two parts (Cody–Waite,
/// fdlibm's constants), e^r by its Taylor series to r^13/13! in Horner form (|r| ≤ ln 2 / 2: the
/// truncation is below 1e-17 relative) — within a few ulp of exp, the same doubles from both bodies
/// on any machine. a is clamped to [−708, 709] first: below −708 the result is e^−708 ≈ 3.3e-308
/// (the true value is smaller, and subnormal below −708.4); the probes only pass a ≤ 0. A NaN stays NaN.
double hsae_exp_shifted_f64(long n, double *x, double shift);

#endif

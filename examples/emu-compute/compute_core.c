/*
 * Pure computation shared by the emucomp.sys export driver and a native Linux build used by the
 * tests (test/emu-compute.test.ts compiles this file with the host clang and compares results).
 * Only fixed-width types: Windows is LLP64, Linux LP64. The includer defines CORE_ALLOC/CORE_FREE
 * and CORE_API (calling convention/linkage of the exported routines).
 */
typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;

/* Ten arguments of mixed widths: six are passed on the stack on x64 Windows. */
CORE_API i64 Mix10(int a, i64 b, short c, signed char d, u32 e, i64 f, int g, i64 h, unsigned short i, i64 j)
{
    return (i64)a * 3 + b * 5 - (i64)c * 7 + (i64)d * 11 + (i64)e * 13 - f * 17 + (i64)g * 19 + h * 23 + (i64)i * 29 - j * 31;
}

/* Naive recursion (exponential call count). */
static __attribute__((noinline)) u64 fib(u32 n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
CORE_API u64 Fib(u32 n)
{
    return fib(n);
}

/* Ackermann: deep, non-tail recursion. */
static __attribute__((noinline)) u64 ack(u64 m, u64 n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}
CORE_API u64 Ackermann(u64 m, u64 n)
{
    return ack(m, n);
}

/* 64-bit signed division and remainder (idiv), including negative operands. */
CORE_API i64 DivMod(i64 a, i64 b)
{
    if (b == 0) return 0;
    return (a / b) * 1000003 + (a % b);
}

static u64 xorshift(u64 *s)
{
    u64 x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Fill an array from a seed, sort it (shell sort, signed), return a position-weighted checksum. */
CORE_API u64 SortChecksum(u64 seed, u32 n)
{
    i64 a[512];
    u64 s = seed | 1;
    u32 i, j, gap;
    u64 sum = 0;
    if (n > 512) n = 512;
    for (i = 0; i < n; i++) a[i] = (i64)xorshift(&s);
    for (gap = n / 2; gap > 0; gap /= 2)
        for (i = gap; i < n; i++) {
            i64 t = a[i];
            for (j = i; j >= gap && a[j - gap] > t; j -= gap) a[j] = a[j - gap];
            a[j] = t;
        }
    for (i = 1; i < n; i++)
        if (a[i - 1] > a[i]) return 0; /* not sorted: impossible */
    for (i = 0; i < n; i++) sum = sum * 31 + (u64)a[i] * (i + 1);
    return sum;
}

/* FNV-1a 64 over a pool buffer filled from a seed. */
CORE_API u64 PoolHash(u64 seed, u32 len)
{
    unsigned char *p = (unsigned char *)CORE_ALLOC(len ? len : 1);
    u64 h = 0xcbf29ce484222325ULL;
    u64 s = seed | 1;
    u32 i;
    if (!p) return 0;
    for (i = 0; i < len; i++) p[i] = (unsigned char)(xorshift(&s) >> 56);
    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    CORE_FREE(p);
    return h;
}

/* CPU-bound loop for the benchmark: a dependent chain of ~8 instructions per iteration. */
CORE_API u64 Burn(u64 iterations, u64 seed)
{
    u64 x = seed | 1, acc = 0, k;
    for (k = 0; k < iterations; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x ^ k;
    }
    return acc;
}

/* Pool churn for the API-throughput benchmark: n allocate/free pairs of `size` bytes. */
CORE_API u64 PoolChurn(u32 n, u32 size)
{
    u64 sum = 0;
    u32 i;
    for (i = 0; i < n; i++) {
        unsigned char *p = (unsigned char *)CORE_ALLOC(size ? size : 1);
        if (!p) return 0;
        p[0] = (unsigned char)i;
        sum += p[0];
        CORE_FREE(p);
    }
    return sum;
}

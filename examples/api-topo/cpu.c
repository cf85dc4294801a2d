/*
 * apitopo.sys, CPUID side (x86 and x64; on ARM64 these exports check nothing and return 0).
 * TestCpuFeatures: CPUID.01H:EDX. Real drivers test TSC (bit 4), MSR (bit 5), APIC (bit 9) before
 * rdtsc / rdmsr. On AuthenticAMD every bit AMD defines for Fn0000_0001_EDX is set and the reserved
 * ones clear (AMD64 Architecture Programmer's Manual vol. 3, appendix E.3.2; HTT (28) only when
 * EBX[23:16], the logical processor count, says more than one). On GenuineIntel the same basic bits
 * (Intel SDM vol. 2A, CPUID, table 3-11). Then rdtsc, as such drivers do after the check.
 * TestCachesMatchCpuid: processor 0's RelationCache records are the caches CPUID describes
 * (AMD: Fn8000_0005 ECX/EDX, Fn8000_0006 ECX/EDX; Intel: leaf 4's subleaves).
 */
#include "apitopo.h"
#if defined(_M_IX86) || defined(_M_X64) || defined(__i386__) || defined(__x86_64__)
#include <intrin.h>

static BOOLEAN IsVendor(const char *v)
{
    int r[4];
    __cpuid(r, 0);
    return RtlCompareMemory(&r[1], v, 4) == 4 && RtlCompareMemory(&r[3], v + 4, 4) == 4 && RtlCompareMemory(&r[2], v + 8, 4) == 4;
}

__declspec(dllexport) ULONG TestCpuFeatures(void)
{
    ULONG failures = 0, edx, ebx, i;
    static const UCHAR amdDefined[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 19, 23, 24, 25, 26 };
    static const UCHAR amdReserved[] = { 10, 18, 20, 21, 22, 27, 29, 30, 31 };
    int r[4];
    ULONG64 t0, t1;
    __cpuid(r, 1);
    ebx = (ULONG)r[1];
    edx = (ULONG)r[3];
    DbgPrint("apitopo: CPUID.01H EBX %08lx EDX %08lx\n", ebx, edx);
    /* What every x64 processor has, and what the thermal monitors test (TSC, MSR, APIC). */
    CHECK(edx & (1u << 0));  /* FPU */
    CHECK(edx & (1u << 4));  /* TSC */
    CHECK(edx & (1u << 5));  /* MSR */
    CHECK(edx & (1u << 6));  /* PAE */
    CHECK(edx & (1u << 8));  /* CMPXCHG8B */
    CHECK(edx & (1u << 9));  /* APIC */
    CHECK(edx & (1u << 15)); /* CMOV */
    CHECK(edx & (1u << 23)); /* MMX */
    CHECK(edx & (1u << 25)); /* SSE */
    CHECK(edx & (1u << 26)); /* SSE2 */
    if (IsVendor("AuthenticAMD")) {
        for (i = 0; i < ARRAY_LEN(amdDefined); i++) CHECK(edx & (1u << amdDefined[i]));
        for (i = 0; i < ARRAY_LEN(amdReserved); i++) CHECK((edx & (1u << amdReserved[i])) == 0);
    }
    /* HTT: set exactly when the logical processor count field says more than one. */
    CHECK(((edx >> 28) & 1) == (((ebx >> 16) & 0xff) > 1));
    t0 = __rdtsc();
    t1 = __rdtsc();
    CHECK(t1 >= t0);
    return failures;
}

/* AMD's associativity codes of Fn8000_0006 (L2, L3): ways, 0xFF fully associative. */
static ULONG AmdWays(ULONG code)
{
    static const UCHAR ways[16] = { 0, 1, 2, 3, 4, 6, 8, 0, 16, 0, 32, 48, 64, 96, 128, 0xff };
    return ways[code & 0xf];
}

typedef struct {
    ULONG level, ways, line, size, type;
} CACHE;

static ULONG CpuidCaches(CACHE *c)
{
    int r[4];
    ULONG n = 0, i;
    if (IsVendor("AuthenticAMD")) {
        __cpuid(r, 0x80000005);
        /* L1d: ECX, L1i: EDX — size KB [31:24], associativity [23:16] (ways; 0xFF fully), line [7:0]. */
        c[n++] = (CACHE){ 1, ((ULONG)r[2] >> 16) & 0xff, (ULONG)r[2] & 0xff, ((ULONG)r[2] >> 24) << 10, CacheData };
        c[n++] = (CACHE){ 1, ((ULONG)r[3] >> 16) & 0xff, (ULONG)r[3] & 0xff, ((ULONG)r[3] >> 24) << 10, CacheInstruction };
        __cpuid(r, 0x80000006);
        /* L2: ECX size KB [31:16], associativity code [15:12], line [7:0]; L3: EDX size 512 KB units [31:18]. */
        if ((ULONG)r[2] >> 16) c[n++] = (CACHE){ 2, AmdWays(((ULONG)r[2] >> 12) & 0xf), (ULONG)r[2] & 0xff, ((ULONG)r[2] >> 16) << 10, CacheUnified };
        if ((ULONG)r[3] >> 18) c[n++] = (CACHE){ 3, AmdWays(((ULONG)r[3] >> 12) & 0xf), (ULONG)r[3] & 0xff, ((ULONG)r[3] >> 18) << 19, CacheUnified };
        return n;
    }
    for (i = 0; i < 8; i++) {
        ULONG type, ways, parts, line, sets;
        __cpuidex(r, 4, (int)i);
        type = (ULONG)r[0] & 0x1f; /* 0 none, 1 data, 2 instruction, 3 unified */
        if (type == 0) break;
        ways = (((ULONG)r[1] >> 22) & 0x3ff) + 1;
        parts = (((ULONG)r[1] >> 12) & 0x3ff) + 1;
        line = ((ULONG)r[1] & 0xfff) + 1;
        sets = (ULONG)r[2] + 1;
        c[n++] = (CACHE){ ((ULONG)r[0] >> 5) & 7, ((ULONG)r[0] & (1 << 9)) ? 0xff : ways, line, ways * parts * line * sets,
                          type == 1 ? CacheData : type == 2 ? CacheInstruction : CacheUnified };
    }
    return n;
}

__declspec(dllexport) ULONG TestCachesMatchCpuid(void)
{
    ULONG failures = 0, n, len, i, seen = 0;
    CACHE c[8];
    PROCESSOR_NUMBER pn;
    NTSTATUS st;
    PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX buf, p;
    n = CpuidCaches(c);
    CHECK(n >= 2);
    RtlZeroMemory(&pn, sizeof(pn));
    buf = TopoQuery(&pn, RelationCache, &len, &st);
    CHECK(buf != NULL);
    if (!buf) return failures;
    for (p = buf; (PUCHAR)p < (PUCHAR)buf + len; p = (PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX)((PUCHAR)p + p->Size), seen++) {
        CHECK(p->Relationship == RelationCache);
        CHECK(p->Cache.GroupMask.Mask == 1);
        for (i = 0; i < n; i++)
            if (c[i].level == p->Cache.Level && c[i].type == (ULONG)p->Cache.Type) break;
        CHECK(i < n);
        if (i == n) continue;
        DbgPrint("apitopo: L%u type %u: %lu bytes, %u-way, %u-byte lines (CPUID: %lu, %lu, %lu)\n", p->Cache.Level, p->Cache.Type, p->Cache.CacheSize,
                 p->Cache.Associativity, p->Cache.LineSize, c[i].size, c[i].ways, c[i].line);
        CHECK(p->Cache.CacheSize == c[i].size);
        CHECK(p->Cache.Associativity == c[i].ways);
        CHECK(p->Cache.LineSize == c[i].line);
    }
    CHECK(seen == n);
    ExFreePoolWithTag(buf, TOPO_TAG);
    return failures;
}
#else
__declspec(dllexport) ULONG TestCpuFeatures(void)
{
    return 0;
}
__declspec(dllexport) ULONG TestCachesMatchCpuid(void)
{
    return 0;
}
#endif

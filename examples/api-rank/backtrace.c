/*
 * apirank.sys — RtlCaptureStackBackTrace (Microsoft Learn): called two functions deep, the first
 * frame is in the innermost function, the next in its caller; FramesToSkip drops frames; the hash
 * is the sum of the addresses stored.
 */
#include "apirank.h"

static PVOID g_Frames[8];
static ULONG g_Hash;

__declspec(noinline) static USHORT Inner(ULONG Skip, ULONG Count)
{
    USHORT n;
    RtlZeroMemory(g_Frames, sizeof(g_Frames));
    n = RtlCaptureStackBackTrace(Skip, Count, g_Frames, &g_Hash);
    return (USHORT)(n + (g_Frames[7] != NULL ? 100 : 0)); /* not a tail call */
}

__declspec(noinline) static USHORT Outer(ULONG Skip, ULONG Count)
{
    USHORT n = Inner(Skip, Count);
    return (USHORT)(n + (g_Hash == 0xFFFFFFFF ? 1 : 0));
}

static BOOLEAN Within(PVOID Pc, PVOID Function)
{
    return (ULONG_PTR)Pc > (ULONG_PTR)Function && (ULONG_PTR)Pc < (ULONG_PTR)Function + 0x400;
}

int TestBackTrace(void)
{
    int failures = 0;
    USHORT n;
    PVOID inner, outer;
    ULONG sum;

    n = Outer(0, 2);
    CHECK(n == 2);
    CHECK(Within(g_Frames[0], (PVOID)Inner));
    CHECK(Within(g_Frames[1], (PVOID)Outer));
    CHECK(g_Frames[2] == NULL);
    sum = (ULONG)(ULONG_PTR)g_Frames[0] + (ULONG)(ULONG_PTR)g_Frames[1];
    CHECK(g_Hash == sum);
    inner = g_Frames[0];
    outer = g_Frames[1];
    /* Three frames deep at least: Inner, Outer, this function (and its callers, if drivers). */
    n = Outer(0, 3);
    CHECK(n == 3 && g_Frames[0] == inner && g_Frames[1] == outer && Within(g_Frames[2], (PVOID)TestBackTrace));
    /* Skip one: the caller's frame first. */
    n = Outer(1, 1);
    CHECK(n == 1 && g_Frames[0] == outer && g_Hash == (ULONG)(ULONG_PTR)outer);
    CHECK(Outer(0, 0) == 0);
    return failures;
}

/*
 * x86 ntoskrnl.exe's __fastcall Interlocked* exports (not the compiler intrinsics ntddk.h maps the
 * names to): declared here without ntddk.h, as the WDK's x86 wdm.h declares them (LONG FASTCALL
 * InterlockedIncrement(IN LONG volatile *Addend), ...). Results per Microsoft Learn's Interlocked*
 * reference: Increment/Decrement return the new value; Exchange and CompareExchange the initial
 * value, CompareExchange storing only when the initial value equals Comperand. x64: no such exports.
 */
typedef long LONG;
typedef unsigned long ULONG;
void DbgPrint(const char *format, ...);
#define CHECK(cond) do { if (!(cond)) { DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

#if defined(_M_IX86) || defined(__i386__)
__declspec(dllimport) LONG __fastcall InterlockedIncrement(LONG volatile *Addend);
__declspec(dllimport) LONG __fastcall InterlockedDecrement(LONG volatile *Addend);
__declspec(dllimport) LONG __fastcall InterlockedExchange(LONG volatile *Target, LONG Value);
__declspec(dllimport) LONG __fastcall InterlockedExchangeAdd(LONG volatile *Addend, LONG Value);
__declspec(dllimport) LONG __fastcall InterlockedCompareExchange(LONG volatile *Destination, LONG Exchange, LONG Comperand);

__declspec(dllexport) ULONG TestInterlockedX86(void)
{
    ULONG failures = 0;
    volatile LONG v = 41;
    CHECK(InterlockedIncrement(&v) == 42 && v == 42);
    CHECK(InterlockedDecrement(&v) == 41 && v == 41);
    v = 0;
    CHECK(InterlockedDecrement(&v) == -1 && v == -1);
    v = 0x7FFFFFFF;
    CHECK(InterlockedIncrement(&v) == (LONG)0x80000000 && v == (LONG)0x80000000);
    v = 7;
    CHECK(InterlockedExchange(&v, -3) == 7 && v == -3);
    CHECK(InterlockedExchangeAdd(&v, 10) == -3 && v == 7);
    CHECK(InterlockedExchangeAdd(&v, -8) == 7 && v == -1);
    CHECK(InterlockedExchange(&v, -3) == -1 && v == -3);
    CHECK(InterlockedCompareExchange(&v, 100, 5) == -3 && v == -3);   /* no match: unchanged */
    CHECK(InterlockedCompareExchange(&v, 100, -3) == -3 && v == 100); /* match: stored */
    return failures;
}

/* A 12 KiB frame: the compiler's stack probe `_chkstk`, imported from ntoskrnl.exe by that name
 * (ntoskrnl-x86.def), probes the pages and lowers ESP by the frame size. */
static __attribute__((noinline)) ULONG BigFrame(ULONG seed)
{
    volatile unsigned char buf[12 * 1024];
    ULONG i, sum = 0;
    for (i = 0; i < sizeof(buf); i++) buf[i] = (unsigned char)(seed + i / 512);
    for (i = 0; i < sizeof(buf); i += 512) sum += buf[(i + seed) % sizeof(buf)];
    return sum;
}

__declspec(dllexport) ULONG TestChkstkX86(void)
{
    ULONG failures = 0, expected = 0, i;
    for (i = 0; i < 24; i++) expected += (unsigned char)(3 + i);
    CHECK(BigFrame(3) == expected);
    return failures;
}
#else
__declspec(dllexport) ULONG TestInterlockedX86(void)
{
    return 0;
}
__declspec(dllexport) ULONG TestChkstkX86(void)
{
    return 0;
}
#endif

/*
 * Definitions of the MSVC kernel intrinsics declared in data/include/kmdll/msvc-intrinsics.h,
 * for clang + mingw-w64 builds. kmdll archives this file into a library linked after the
 * project's libraries, so an image gets only the routines it calls. Each is the one instruction
 * the Visual C++ documentation of the intrinsic names. At the end, for x86, the 64-bit division
 * helpers clang calls where cl.exe calls ntoskrnl's _aulldiv & co.
 */
#include <intrin.h>
/* x86 and x64 only: on ARM64 the support library is empty. */
#if defined(__x86_64__) || defined(__i386__)

void __cdecl __halt(void) { __asm__ __volatile__("hlt"); }
void __cdecl __nop(void) { __asm__ __volatile__("nop"); }
void __cdecl __invlpg(void *Address) { __asm__ __volatile__("invlpg (%0)" : : "r"(Address) : "memory"); }
void __cdecl __wbinvd(void) { __asm__ __volatile__("wbinvd" : : : "memory"); }
void __cdecl __lidt(void *Source) { __asm__ __volatile__("lidt (%0)" : : "r"(Source) : "memory"); }
void __cdecl __sidt(void *Destination) { __asm__ __volatile__("sidt (%0)" : : "r"(Destination) : "memory"); }
void __cdecl _lgdt(void *Source) { __asm__ __volatile__("lgdt (%0)" : : "r"(Source) : "memory"); }
void __cdecl _sgdt(void *Destination) { __asm__ __volatile__("sgdt (%0)" : : "r"(Destination) : "memory"); }
void __cdecl __writecr2(kmdll_ureg Value) { __asm__ __volatile__("mov %0, %%cr2" : : "r"(Value) : "memory"); }
void __cdecl _disable(void) { __asm__ __volatile__("cli" : : : "memory"); }
void __cdecl _enable(void) { __asm__ __volatile__("sti" : : : "memory"); }

unsigned long __cdecl __segmentlimit(unsigned long Selector)
{
    unsigned long limit;
    __asm__ __volatile__("lsl %1, %0" : "=r"(limit) : "r"(Selector));
    return limit;
}

kmdll_ureg __cdecl __readdr(unsigned int DebugRegister)
{
    kmdll_ureg v = 0;
    switch (DebugRegister) {
    case 0: __asm__ __volatile__("mov %%dr0, %0" : "=r"(v)); break;
    case 1: __asm__ __volatile__("mov %%dr1, %0" : "=r"(v)); break;
    case 2: __asm__ __volatile__("mov %%dr2, %0" : "=r"(v)); break;
    case 3: __asm__ __volatile__("mov %%dr3, %0" : "=r"(v)); break;
    case 6: __asm__ __volatile__("mov %%dr6, %0" : "=r"(v)); break;
    case 7: __asm__ __volatile__("mov %%dr7, %0" : "=r"(v)); break;
    default: break;
    }
    return v;
}

void __cdecl __writedr(unsigned int DebugRegister, kmdll_ureg Value)
{
    switch (DebugRegister) {
    case 0: __asm__ __volatile__("mov %0, %%dr0" : : "r"(Value)); break;
    case 1: __asm__ __volatile__("mov %0, %%dr1" : : "r"(Value)); break;
    case 2: __asm__ __volatile__("mov %0, %%dr2" : : "r"(Value)); break;
    case 3: __asm__ __volatile__("mov %0, %%dr3" : : "r"(Value)); break;
    case 6: __asm__ __volatile__("mov %0, %%dr6" : : "r"(Value)); break;
    case 7: __asm__ __volatile__("mov %0, %%dr7" : : "r"(Value)); break;
    default: break;
    }
}

#if defined(__i386__)
/*
 * x86 only: 64-bit division. For `a / b` on 64-bit integers cl.exe calls ntoskrnl's _aulldiv/_alldiv
 * (special calling convention); clang's i686-w64-windows-gnu target calls libgcc's __udivdi3,
 * __umoddi3, __divdi3 and __moddi3, which a driver does not have (lld-link: undefined symbol
 * ___udivdi3). Shift-and-subtract here, with no 64-bit division of its own; a zero divisor raises
 * the divide error, as the CPU and _aulldiv do.
 */
static unsigned long long kmdll_udivmod64(unsigned long long n, unsigned long long d, unsigned long long *rem)
{
    unsigned long long q = 0, r = 0;
    int bit;
    if (d == 0) {
        volatile unsigned int zero = 0;
        return 1u / zero;
    }
    for (bit = 63; bit >= 0; bit--) {
        r = (r << 1) | ((n >> bit) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ULL << bit;
        }
    }
    if (rem) *rem = r;
    return q;
}

unsigned long long __udivdi3(unsigned long long n, unsigned long long d) { return kmdll_udivmod64(n, d, 0); }

unsigned long long __umoddi3(unsigned long long n, unsigned long long d)
{
    unsigned long long r;
    kmdll_udivmod64(n, d, &r);
    return r;
}

long long __divdi3(long long n, long long d)
{
    unsigned long long q = kmdll_udivmod64(n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n,
                                           d < 0 ? 0ULL - (unsigned long long)d : (unsigned long long)d, 0);
    return (n < 0) != (d < 0) ? (long long)(0ULL - q) : (long long)q;
}

long long __moddi3(long long n, long long d)
{
    unsigned long long r;
    kmdll_udivmod64(n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n, d < 0 ? 0ULL - (unsigned long long)d : (unsigned long long)d, &r);
    return n < 0 ? (long long)(0ULL - r) : (long long)r;
}
#endif
#endif /* x86, x64 */

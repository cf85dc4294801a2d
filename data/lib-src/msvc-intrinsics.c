/*
 * Definitions of the MSVC kernel intrinsics declared in data/include/kmdll/msvc-intrinsics.h,
 * for clang + mingw-w64 builds. kmdll archives this file into a library linked after the
 * project's libraries, so an image gets only the routines it calls. Each is the one instruction
 * the Visual C++ documentation of the intrinsic names.
 */
#include <intrin.h>

void __halt(void) { __asm__ __volatile__("hlt"); }
void __nop(void) { __asm__ __volatile__("nop"); }
void __invlpg(void *Address) { __asm__ __volatile__("invlpg (%0)" : : "r"(Address) : "memory"); }
void __wbinvd(void) { __asm__ __volatile__("wbinvd" : : : "memory"); }
void __lidt(void *Source) { __asm__ __volatile__("lidt (%0)" : : "r"(Source) : "memory"); }
void __sidt(void *Destination) { __asm__ __volatile__("sidt (%0)" : : "r"(Destination) : "memory"); }
void _lgdt(void *Source) { __asm__ __volatile__("lgdt (%0)" : : "r"(Source) : "memory"); }
void _sgdt(void *Destination) { __asm__ __volatile__("sgdt (%0)" : : "r"(Destination) : "memory"); }
void __writecr2(kmdll_ureg Value) { __asm__ __volatile__("mov %0, %%cr2" : : "r"(Value) : "memory"); }
void __cdecl _disable(void) { __asm__ __volatile__("cli" : : : "memory"); }
void __cdecl _enable(void) { __asm__ __volatile__("sti" : : : "memory"); }

unsigned long __segmentlimit(unsigned long Selector)
{
    unsigned long limit;
    __asm__ __volatile__("lsl %1, %0" : "=r"(limit) : "r"(Selector));
    return limit;
}

kmdll_ureg __readdr(unsigned int DebugRegister)
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

void __writedr(unsigned int DebugRegister, kmdll_ureg Value)
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

/*
 * MSVC intrinsics for kernel code that clang does not implement as builtins and mingw-w64 does
 * not define (calls to them were left undefined at link time in HyperDbg's kernel DLLs).
 * Prototypes: intrin.h of the Visual C++ tools. Definitions: data/lib-src/msvc-intrinsics.c.
 * __cdecl throughout: the support library is compiled once and linked into x86 projects built
 * with /Gz (the WDK's default) or /Gd alike.
 */
#ifndef KMDLL_MSVC_INTRINSICS_H
#define KMDLL_MSVC_INTRINSICS_H
/* x86 and x64 instructions: nothing for ARM64 (whose intrinsics clang provides). */
#if defined(__x86_64__) || defined(__i386__)
#if defined(__x86_64__)
typedef unsigned __int64 kmdll_ureg;
#else
typedef unsigned int kmdll_ureg;
#endif
#ifdef __cplusplus
extern "C" {
#endif
void __cdecl __halt(void);
void __cdecl __nop(void);
void __cdecl __invlpg(void *Address);
void __cdecl __wbinvd(void);
void __cdecl __lidt(void *Source);
void __cdecl __sidt(void *Destination);
void __cdecl _lgdt(void *Source);
void __cdecl _sgdt(void *Destination);
kmdll_ureg __cdecl __readdr(unsigned int DebugRegister);
void __cdecl __writedr(unsigned int DebugRegister, kmdll_ureg Value);
void __cdecl __writecr2(kmdll_ureg Value);
unsigned long __cdecl __segmentlimit(unsigned long Selector);
void __cdecl _disable(void);
void __cdecl _enable(void);
#ifdef __cplusplus
}
#endif
#endif /* x86, x64 */
#endif

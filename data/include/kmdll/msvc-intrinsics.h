/*
 * MSVC intrinsics for kernel code that clang does not implement as builtins and mingw-w64 does
 * not define (calls to them were left undefined at link time in HyperDbg's kernel DLLs).
 * Prototypes: intrin.h of the Visual C++ tools. Definitions: data/lib-src/msvc-intrinsics.c.
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
void __halt(void);
void __nop(void);
void __invlpg(void *Address);
void __wbinvd(void);
void __lidt(void *Source);
void __sidt(void *Destination);
void _lgdt(void *Source);
void _sgdt(void *Destination);
kmdll_ureg __readdr(unsigned int DebugRegister);
void __writedr(unsigned int DebugRegister, kmdll_ureg Value);
void __writecr2(kmdll_ureg Value);
unsigned long __segmentlimit(unsigned long Selector);
void __cdecl _disable(void);
void __cdecl _enable(void);
#ifdef __cplusplus
}
#endif
#endif /* x86, x64 */
/*
 * x86: cl.exe compiles the SSE2 fences whatever its /arch; clang's i686 target (no SSE2) stops
 * ("'_mm_mfence' needs target feature sse2"; OpenXT's vring.h). The instructions themselves need
 * no compiler feature: written as such, with the compiler barrier the intrinsics imply.
 */
#if defined(__i386__) && !defined(__SSE2__)
#undef _mm_mfence
#define _mm_mfence() __asm__ __volatile__("mfence" ::: "memory")
#undef _mm_lfence
#define _mm_lfence() __asm__ __volatile__("lfence" ::: "memory")
#endif
#endif

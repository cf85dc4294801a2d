/*
 * kmdll compatibility layer over mingw-w64's <intrin.h>: declares the MSVC kernel intrinsics that
 * neither mingw-w64 nor clang provide (kmdll/msvc-intrinsics.h). Their definitions are in
 * data/lib-src/msvc-intrinsics.c, which kmdll links as a library (only what is used is pulled in).
 */
#ifndef KMDLL_COMPAT_INTRIN_H
#define KMDLL_COMPAT_INTRIN_H
/* First: mingw-w64's intrin.h declares a few of them (__invlpg, __wbinvd, __segmentlimit) without
 * a convention, and a later declaration without one inherits __cdecl, where an earlier one
 * without it would clash under the WDK's x86 default /Gz. */
#include <kmdll/msvc-intrinsics.h>
#include_next <intrin.h>
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

/*
 * wdkgs.sys: shared declarations. The /GS runtime (gs_support.c) follows the protocol of the
 * WDK's BufferOverflowK.lib: the image's load-config directory names __security_cookie; the
 * kernel loader writes a fresh value there; GsDriverEntry checks that it did, derives the
 * complement, then calls the driver's DriverEntry.
 */
#pragma once
/*
 * mingw-w64's psdk_inc/intrin-impl.h gives InterlockedBitTestAndSet/Reset external (not inline)
 * bodies under the msvc target, so every file including ntddk.h defines them and a project of
 * several files fails to link (duplicate symbol). Only gsdrv.c keeps them.
 */
#ifndef WDKGS_KEEP_INTRINSIC_BODIES
#define __INTRINSIC_DEFINED_InterlockedBitTestAndSet
#define __INTRINSIC_DEFINED_InterlockedBitTestAndReset
#endif
#include <ntddk.h>

/* The compiler's default cookie (x64 and ARM64; x86's is 32-bit) and the __fastfail codes (winnt.h). */
#ifdef _WIN64
#define WDKGS_DEFAULT_COOKIE 0x00002B992DDFA232ULL
#else
#define WDKGS_DEFAULT_COOKIE 0xBB40E64EUL
#endif
#define FAST_FAIL_STACK_COOKIE_CHECK_FAILURE 2
#define FAST_FAIL_GS_COOKIE_INIT 6

extern ULONG_PTR __security_cookie;
extern ULONG_PTR __security_cookie_complement;

void __security_init_cookie(void);
/* The compiler's /GS check: fastcall on x86 (@__security_check_cookie@4, the cookie in ECX). */
void __fastcall __security_check_cookie(ULONG_PTR cookie);
DECLSPEC_NORETURN void WdkGsFastFail(unsigned int code);

DRIVER_INITIALIZE DriverEntry;
DRIVER_INITIALIZE GsDriverEntry;

/* checksum.c: work on a buffer larger than a page (a __chkstk frame). */
ULONG WdkGsChecksum(ULONG seed, ULONG rounds);
ULONG WdkGsChecksumHuge(ULONG seed);

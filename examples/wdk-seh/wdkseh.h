/*
 * wdkseh.sys: shared declarations. The exception intrinsics are the compiler's (MSVC names).
 */
#pragma once
#ifndef WDKSEH_KEEP_INTRINSIC_BODIES
/* mingw-w64 gives these external bodies under the msvc target: only sehdrv.c keeps them. */
#define __INTRINSIC_DEFINED_InterlockedBitTestAndSet
#define __INTRINSIC_DEFINED_InterlockedBitTestAndReset
#endif
#include "../include/apitest.h"

unsigned long __cdecl _exception_code(void);
void *__cdecl _exception_info(void);
int __cdecl _abnormal_termination(void);
/* ntddk.h of mingw-w64 lacks it; without a prototype x86 would call this stdcall routine as cdecl. */
NTSYSAPI VOID NTAPI RtlRaiseException(PEXCEPTION_RECORD ExceptionRecord);

/* Addresses for the probes and faults: a kernel address, and one above MmUserProbeAddress. */
#ifdef _WIN64
#define WDKSEH_KERNEL_ADDRESS 0xFFFFF80000001000ULL
#define WDKSEH_WILD_KERNEL_ADDRESS 0xFFFFF8FF00000000ULL
#else
#define WDKSEH_KERNEL_ADDRESS 0x80001000UL
#define WDKSEH_WILD_KERNEL_ADDRESS 0xE0000000UL
#endif

#define WDKSEH_STATUS 0xE0001234L   /* a customer-defined status (bit 29 set) */

/* raise.c */
ULONG TestRaiseExcept(void);
ULONG TestFinally(void);
ULONG TestFilterSearch(void);
ULONG TestNestedFrames(void);
ULONG TestContinueExecution(void);
ULONG UnhandledRaise(void);
/* probe.c */
ULONG TestProbe(void);
ULONG TestCpuFault(void);
ULONG UnhandledProbe(void);
ULONG UnhandledKernelFault(void);
/* walk.c */
ULONG TestStackWalk(void);
/* handler.c */
ULONG TestOwnHandler(void);

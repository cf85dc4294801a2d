/*
 * ARM64 (aarch64-pc-windows-msvc) over mingw-w64's DDK headers, which know x86, AMD64, IA64 and
 * 32-bit ARM only. While wdm.h/ntddk.h/ntifs.h are read (kmdll's shims of those headers include
 * this first and kmdll/arm64-leave.h last), two macros stand in for what the WDK's own headers
 * test for ARM64:
 *  - _M_ARM selects the one architecture branch mingw-w64 leaves open for a non-x86 target; it
 *    includes <armddk.h>, which is kmdll's (data/include/armddk.h): the ARM64 kernel definitions
 *    (IRQL levels, KUSER_SHARED_DATA, the IRQL routines, KeGetCurrentThread).
 *  - _AMD64_ selects the 64-bit (LLP64) structure layouts the WDK gives ARM64 as it gives AMD64:
 *    IO_STACK_LOCATION naturally aligned (not #pragma pack(4)), no obsolete lookaside-list lock,
 *    64-bit KSPIN_LOCK_QUEUE_NUMBER, inline RtlExtendedIntegerMultiply... ARM64 structures then
 *    have exactly their x64 layouts, as Windows' have.
 * Neither macro stays defined for the driver's own code. <intrin.h> is read before (mingw-w64's
 * intrinsics would take _AMD64_ for x86-64).
 */
#include <intrin.h>
#if !defined(_M_ARM)
#define _M_ARM 1
#define KMDLL_ARM64_UNDEF_M_ARM
#endif
#if !defined(_AMD64_)
#define _AMD64_ 1
#define KMDLL_ARM64_UNDEF_AMD64
#endif
/* The interlocked routines are the compiler's intrinsics, as the WDK maps them for ARM64 (mingw-w64
   maps them for _X86_ and _M_AMD64 only; wdm.h's inline routines use them). Defined once. */
#ifndef KMDLL_ARM64_INTERLOCKED
#define KMDLL_ARM64_INTERLOCKED
#define InterlockedExchangeAddSizeT(a, b) InterlockedExchangeAdd64((LONGLONG *)a, (LONGLONG)b)
#define InterlockedIncrementSizeT(a) InterlockedIncrement64((LONGLONG *)a)
#define InterlockedDecrementSizeT(a) InterlockedDecrement64((LONGLONG *)a)
#define InterlockedAnd _InterlockedAnd
#define InterlockedOr _InterlockedOr
#define InterlockedXor _InterlockedXor
#define InterlockedIncrement _InterlockedIncrement
#define InterlockedDecrement _InterlockedDecrement
#define InterlockedAdd _InterlockedAdd
#define InterlockedExchange _InterlockedExchange
#define InterlockedExchangeAdd _InterlockedExchangeAdd
#define InterlockedCompareExchange _InterlockedCompareExchange
#define InterlockedAnd64 _InterlockedAnd64
#define InterlockedOr64 _InterlockedOr64
#define InterlockedXor64 _InterlockedXor64
#define InterlockedIncrement64 _InterlockedIncrement64
#define InterlockedDecrement64 _InterlockedDecrement64
#define InterlockedAdd64 _InterlockedAdd64
#define InterlockedExchange64 _InterlockedExchange64
#define InterlockedExchangeAdd64 _InterlockedExchangeAdd64
#define InterlockedCompareExchange64 _InterlockedCompareExchange64
#define InterlockedCompareExchangePointer _InterlockedCompareExchangePointer
#define InterlockedExchangePointer _InterlockedExchangePointer
#endif

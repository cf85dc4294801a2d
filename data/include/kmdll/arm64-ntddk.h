/*
 * What mingw-w64's <ntddk.h> gives every 64-bit target in its per-architecture section and
 * leaves out for ARM64 (its `_M_ARM` branch is empty): the system address-range variables and
 * macros (ntddk.h for AMD64; the WDK states the same for ARM64). KPCR and KeGetPcr are not
 * provided: the ARM64 KPCR's layout is not public in mingw-w64 (see docs/build.md, "ARM64").
 */
#ifndef KMDLL_ARM64_NTDDK_H
#define KMDLL_ARM64_NTDDK_H
#if defined(__aarch64__)
extern NTKERNELAPI PVOID MmHighestUserAddress;
extern NTKERNELAPI PVOID MmSystemRangeStart;
extern NTKERNELAPI ULONG64 MmUserProbeAddress;
#define MM_HIGHEST_USER_ADDRESS           MmHighestUserAddress
#define MM_SYSTEM_RANGE_START             MmSystemRangeStart
#define MM_USER_PROBE_ADDRESS             MmUserProbeAddress
#define MM_LOWEST_USER_ADDRESS   (PVOID)0x10000
#define MM_LOWEST_SYSTEM_ADDRESS (PVOID)0xFFFF080000000000ULL
#endif
#endif

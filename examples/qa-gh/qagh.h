/*
 * qagh.sys — shared declarations. Each Test* export returns the number of failed checks (CHECK
 * prints "FAIL ..." through DbgPrint); the others are a misuse or a print for the test to read.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define QG_TAG 'hgQQ'

/* ntifs.h (Microsoft Learn: PsReferenceProcessFilePointer); mingw-w64 lacks it. */
NTKERNELAPI NTSTATUS NTAPI PsReferenceProcessFilePointer(PEPROCESS Process, PFILE_OBJECT *pFilePointer);
/* Exported by ntoskrnl (not in the WDK headers): the EPROCESS's 15-character image name. */
NTKERNELAPI PUCHAR NTAPI PsGetProcessImageFileName(PEPROCESS Process);
NTKERNELAPI NTSTATUS NTAPI PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS *Process);

/* wdm.h MM_PAGE_PRIORITY flags (Windows 8 and later); mingw-w64 lacks them. */
#ifndef MdlMappingNoWrite
#define MdlMappingNoWrite 0x80000000
#define MdlMappingNoExecute 0x40000000
#endif

/* HAL_PLATFORM_TIMER_INFORMATION_V1: in no Microsoft header; layout and source values from Geoff
 * Chappell's HAL_PLATFORM_TIMER_SOURCE page (geoffchappell.com). */
typedef struct _QG_PLATFORM_TIMER_INFORMATION {
    ULONG Version;
    ULONG ClockInterruptSource;
    ULONG PerformanceCounterSource;
} QG_PLATFORM_TIMER_INFORMATION;
#define QG_HalPlatformTimerInformation 25
#define QG_HalPlatformTimerProcessorCounter 6
#define QG_HalPlatformTimerApic 9

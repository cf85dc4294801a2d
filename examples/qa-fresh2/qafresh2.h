/*
 * qafresh2.sys — shared declarations. Each Test* export returns the number of failed checks
 * (apitest.h's CHECK prints each failure with its line).
 *
 * Routines ntoskrnl.exe exports that no WDK header declares (prototypes as the drivers that import
 * them use them; see docs/qa.md, helper "fresh2"): PsLoadedModuleList is the LIST_ENTRY head of
 * the loaded-module list; PsRegisterPicoProvider(ProviderRoutines, PicoRoutines);
 * ZwUnlockVirtualMemory with the NtUnlockVirtualMemory system service's parameters.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define QF2_TAG '2FQa'
/* The DOS header's e_magic, "MZ" (winnt.h IMAGE_DOS_SIGNATURE). */
#define QF2_MZ 0x5A4D

__declspec(dllimport) extern LIST_ENTRY PsLoadedModuleList;
NTSYSAPI NTSTATUS NTAPI PsRegisterPicoProvider(PVOID ProviderRoutines, PVOID PicoRoutines);
NTSYSAPI NTSTATUS NTAPI ZwLockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG MapType);
NTSYSAPI NTSTATUS NTAPI ZwUnlockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG MapType);

#ifndef MAP_PROCESS
#define MAP_PROCESS 1
#endif
#ifndef STATUS_TOO_LATE
#define STATUS_TOO_LATE ((NTSTATUS)0xC0000189L)
#endif
#ifndef STATUS_NOT_LOCKED
#define STATUS_NOT_LOCKED ((NTSTATUS)0xC000002AL)
#endif

/*
 * KLDR_DATA_TABLE_ENTRY, the fields drivers read (public symbols of ntoskrnl; ReactOS's and the
 * WDK debugger's headers): InLoadOrderLinks, DllBase, SizeOfImage, BaseDllName.
 */
typedef struct _QF2_LDR_ENTRY {
    LIST_ENTRY InLoadOrderLinks;
    PVOID ExceptionTable;
    ULONG ExceptionTableSize;
    PVOID GpValue;
    PVOID NonPagedDebugInfo;
    PVOID DllBase;
    PVOID EntryPoint;
    ULONG SizeOfImage;
    UNICODE_STRING FullDllName;
    UNICODE_STRING BaseDllName;
    ULONG Flags;
} QF2_LDR_ENTRY;

extern PDRIVER_OBJECT g_Qf2Driver;

/* The entry of a loaded module by base name (NULL when the list has none). */
QF2_LDR_ENTRY *Qf2FindModule(PCWSTR name);

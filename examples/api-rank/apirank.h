/*
 * apirank.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; RunOnceReentered misuses a routine on purpose.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

extern PDRIVER_OBJECT g_Driver;
PDEVICE_OBJECT CreateTestDevice(void);

/* A native service missing from mingw-w64 10's headers (NtWaitForSingleObject is named on
 * ZwWaitForSingleObject's Microsoft Learn page). ZwFlushInstructionCache is in its ntifs.h. */
NTSYSAPI NTSTATUS NTAPI NtWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
/* ntifs.h of the WDK (Microsoft Learn: ZwProtectVirtualMemory's Nt form in ntifs.h); missing from mingw-w64 10. */
NTSYSAPI NTSTATUS NTAPI ZwProtectVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG NewProtect, PULONG OldProtect);
/* The secure CRT's _vsnprintf_s (Microsoft Learn; ntoskrnl exports it): not declared by mingw-w64 10's headers. */
#ifndef _TRUNCATE
#define _TRUNCATE ((size_t)-1)
#endif
_CRTIMP int __cdecl _vsnprintf_s(char *Buffer, size_t SizeOfBuffer, size_t Count, const char *Format, va_list Args);
/* ntoskrnl's KeInitializeMutant (not in the WDK headers; ReactOS ke/mutex.c): a KMUTANT, owned by the caller or not. */
NTKERNELAPI VOID NTAPI KeInitializeMutant(PRKMUTEX Mutant, BOOLEAN InitialOwner);
int MutantReleasedTooOften(void);

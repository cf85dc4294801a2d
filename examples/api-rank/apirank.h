/*
 * apirank.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; RunOnceReentered misuses a routine on purpose.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

extern PDRIVER_OBJECT g_Driver;
PDEVICE_OBJECT CreateTestDevice(void);

/* ntdll/ntoskrnl native services missing from mingw-w64 10's headers (NtFlushInstructionCache is
 * the service under FlushInstructionCache, processthreadsapi.h; NtWaitForSingleObject is named
 * on ZwWaitForSingleObject's Microsoft Learn page). */
NTSYSAPI NTSTATUS NTAPI ZwFlushInstructionCache(HANDLE ProcessHandle, PVOID BaseAddress, SIZE_T Length);
NTSYSAPI NTSTATUS NTAPI NtWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
/* ntifs.h of the WDK (Microsoft Learn: ZwProtectVirtualMemory's Nt form in ntifs.h); missing from mingw-w64 10. */
NTSYSAPI NTSTATUS NTAPI ZwProtectVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG NewProtect, PULONG OldProtect);
/* The secure CRT's _vsnprintf_s (Microsoft Learn; ntoskrnl exports it): not declared by mingw-w64 10's headers. */
#ifndef _TRUNCATE
#define _TRUNCATE ((size_t)-1)
#endif
_CRTIMP int __cdecl _vsnprintf_s(char *Buffer, size_t SizeOfBuffer, size_t Count, const char *Format, va_list Args);

#ifndef GZLIB_PRIVATE_H
#define GZLIB_PRIVATE_H
#include <ntddk.h>
#include <gzcommon.h>

/* The kernel calls these (stdcall on x86); declared the way many WDK samples do, without NTAPI. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath);
NTSTATUS DllUnload(VOID);

extern LONG GzCalls;
#endif

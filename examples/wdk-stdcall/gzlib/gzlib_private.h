#ifndef GZLIB_PRIVATE_H
#define GZLIB_PRIVATE_H
#include <ntddk.h>
#include <gzcommon.h>

/* The kernel calls these (stdcall on x86); declared the way many WDK samples do, without NTAPI. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath);
NTSTATUS DllUnload(VOID);

extern LONG GzCalls;

/*
 * An old-style declaration without a prototype, as old headers have them (or as cl.exe reads a
 * parameter list of unknown type names): a call through it is decorated by the arguments it
 * passes under cl.exe, _GzScale@0 under clang; gzmath.c defines _GzScale@4.
 */
ULONG GzScale();
#endif

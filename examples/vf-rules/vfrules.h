/*
 * vfrules.sys — one pair of exports per Driver Verifier rule kmdll checks: <Rule>Bad breaks the
 * rule, <Rule>Clean does the same work correctly. docs/verifier.md lists the rules.
 */
#pragma once
#include <ntddk.h>

/* ntifs.h (Microsoft Learn): declared here, since an undeclared call is cdecl, which on x86
 * unbalances the stack around the stdcall routine (_PsLookupProcessByProcessId@8). */
NTKERNELAPI NTSTATUS NTAPI PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS *Process);

#define VF_TAG 'fVmK' /* "KmVf" */

/* Run a routine as a work item (PASSIVE_LEVEL, on a worker thread) and wait until it has run. */
VOID RunAsWorkItem(PWORKER_THREAD_ROUTINE Routine);
/* Run a routine as a DPC (DISPATCH_LEVEL). */
VOID RunAsDpc(PKDEFERRED_ROUTINE Routine);

extern KSPIN_LOCK g_Lock;
extern FAST_MUTEX g_Mutex;

/* io.c: the driver object (set by DriverEntry when started as a service) and its dispatch routine. */
extern PDRIVER_OBJECT g_Driver;
DRIVER_DISPATCH VfDispatch;

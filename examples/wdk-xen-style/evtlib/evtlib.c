/* evtlib: the event library other drivers import (DllInitialize/DllUnload). */
#include "evtlib_private.h"

/* ntoskrnl's data export, declared as drivers declare it for the WDK's ntoskrnl.lib: the name is
   the import slot, which holds the variable's address. */
extern PULONG InitSafeBootMode;

ULONG EvtInitCount;
static KBUGCHECK_CALLBACK_RECORD EvtBugcheckRecord;
static volatile SHORT EvtLatch;

NTSTATUS
DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;

    UNREFERENCED_PARAMETER(RegistryPath);
    /* The WDK's macro takes an address expression: (&EvtBugcheckRecord)->State. */
    KeInitializeCallbackRecord(&EvtBugcheckRecord);
    if (InterlockedCompareExchange16(&EvtLatch, 1, 0) == 0)
        EvtInitCount++;
    EvtPlatformInit();
    RtlInitUnicodeString(&name, L"evtlib");
    DbgPrint("evtlib: DllInitialize %wZ state %d count %lu\n", &name, (int)EvtBugcheckRecord.State, EvtReadInitCount());
    return STATUS_SUCCESS;
}

NTSTATUS
DllUnload(VOID)
{
    DbgPrint("evtlib: DllUnload\n");
    return STATUS_SUCCESS;
}

ULONG
EvtLibCounter(VOID)
{
    return EvtReadInitCount();
}

ULONG
EvtLibSafeBootMode(VOID)
{
    return *InitSafeBootMode;
}

/* Required by the build; never called for an export driver. */
NTSTATUS
DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

/* A client of the event driver and the event library. */
#include "evtcommon.h"

static VOID
EvtClientUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("evtclient: unload\n");
}

NTSTATUS
DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = EvtClientUnload;
    DbgPrint("evtclient: version %s, platform %lu, safe boot %lu, counter %lu, message 0x%08lx\n",
             EvtDrvVersion(), EvtLibPlatform(), EvtLibSafeBootMode(), EvtLibCounter(), EvtDrvMessageId());
    return STATUS_SUCCESS;
}

/* evtdrv: an export driver that imports evtlib; its clients import both. */
#include "evtdrv_private.h"
#include "evtdrv.tmh"

/* An old prototype: cl.exe accepts the definition below with other pointer types (C4028). */
NTSTATUS
DriverEntry(
    IN PVOID DriverObject,
    IN PVOID Argument2
);

NTSTATUS
DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    EvtTrace(EVT_FLAG_INIT, "%s", __FUNCTION__);
    DbgPrint("evtdrv: DllInitialize, library counter %lu, message 0x%08lx\n", EvtLibCounter(), EvtDrvMessageId());
    return STATUS_SUCCESS;
}

NTSTATUS
DllUnload(VOID)
{
    DoTraceMessage(EVT_FLAG_INIT, "%s", __FUNCTION__);
    DbgPrint("evtdrv: DllUnload\n");
    return STATUS_SUCCESS;
}

const CHAR *
EvtDrvVersion(VOID)
{
    return EVT_VERSION;
}

/* Never called: the kernel loads an export driver without calling DriverEntry. */
NTSTATUS
DriverEntry(
    IN PDRIVER_OBJECT DriverObject,
    IN PUNICODE_STRING RegistryPath
    )
{
    WPP_INIT_TRACING(DriverObject, RegistryPath);
    return STATUS_SUCCESS;
}

/* main.c: a client of logger.sys; loading it makes Windows load logger.sys first. */
#include "logtest.h"

static VOID NTAPI LogTestUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("logtest: unloaded, %lu message(s) logged\n", LogCount());
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    LHANDLE h;
    DWORD logged;
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = LogTestUnload;
    h = LogOpen("logtest");
    if (h == NULL)
        return STATUS_UNSUCCESSFUL;
    logged = LogTestRun(h, 3);
    DbgPrint("logtest: %lu of 3 message(s) logged\n", logged);
    return logged == 3 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

/*
 * qafresh7.sys — lessons from a seventh held-out set of real drivers. Each Test* export returns
 * the number of failed checks (apitest.h's CHECK prints each failure).
 */
#include "qafresh7.h"

PDRIVER_OBJECT QaDriver;

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("qafresh7: Unload(%p)\n", DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    QaDriver = DriverObject;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

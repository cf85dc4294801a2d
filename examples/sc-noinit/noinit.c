/*
 * noinit.sys — an export driver with DllUnload but no DllInitialize: the documented and kernel semantics disagree about it.
 */
#include <ntddk.h>
/* The stub DriverEntry of an export driver: never called on the import path. */
DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("noinit: DllUnload\n");
    return STATUS_SUCCESS;
}

int NTAPI NoInitTwice(int x)
{
    return 2 * x;
}

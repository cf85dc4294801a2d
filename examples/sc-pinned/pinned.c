/*
 * pinned.sys — an export driver with DllInitialize but no DllUnload: once loaded it is never unloaded.
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

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("pinned: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

int NTAPI PinnedAdd(int a, int b)
{
    return a + b;
}

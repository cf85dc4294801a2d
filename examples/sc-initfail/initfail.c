/*
 * initfail.sys — an export driver whose DllInitialize fails (STATUS_INSUFFICIENT_RESOURCES).
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
    DbgPrint("initfail: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_INSUFFICIENT_RESOURCES;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("initfail: DllUnload\n");
    return STATUS_SUCCESS;
}

int NTAPI InitFailRoutine(int x)
{
    return x;
}

/*
 * unloadfail.sys — an export driver whose DllUnload fails (STATUS_UNSUCCESSFUL): it stays loaded with count 0.
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
    DbgPrint("unloadfail: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("unloadfail: DllUnload\n");
    return STATUS_UNSUCCESSFUL;
}

int NTAPI UnloadFailRoutine(int x)
{
    return x + 2;
}

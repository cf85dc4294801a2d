/*
 * bad-forwarded-entry.sys — an export driver whose DllUnload is exported as a forwarder to another module; the kernel ignores forwarded entry points.
 */
#include <ntddk.h>

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

/* The routine importers call. */
int AddOne(int value)
{
    return value + 1;
}

/*
 * bad-no-dllunload.sys — an export driver without DllUnload: the kernel never unloads it (the reference count mechanism needs both DllInitialize and DllUnload).
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

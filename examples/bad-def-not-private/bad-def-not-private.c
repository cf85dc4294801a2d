/*
 * bad-def-not-private.sys — an export driver whose .def exports DllInitialize and DllUnload without PRIVATE, so they end up in its import library where importers could link against them.
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

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("DllUnload\n");
    return STATUS_SUCCESS;
}

/* The routine importers call. */
int AddOne(int value)
{
    return value + 1;
}

/*
 * bad-library-name.sys — an export driver whose .def says LIBRARY badlibname (no .sys): its import library makes importers look for badlibname.dll.
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

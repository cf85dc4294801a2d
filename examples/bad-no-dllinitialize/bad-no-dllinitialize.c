/*
 * bad-no-dllinitialize.sys — an export driver without DllInitialize: the reference count mechanism is not activated.
 */
#include <ntddk.h>

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
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

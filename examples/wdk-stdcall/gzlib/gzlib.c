#include "gzlib_private.h"

/* Never called for an export driver; the WDK links it as the entry point. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("gzlib: DllInitialize(%wZ): GzSum3(1, 2, 3) = %lu, GzScale(7) = %lu\n", RegistryPath, GzSum3(1, 2, 3), GzScale(7));
    return STATUS_SUCCESS;
}

NTSTATUS DllUnload(VOID)
{
    DbgPrint("gzlib: DllUnload (GzSum ran %ld times)\n", GzCalls);
    return STATUS_SUCCESS;
}

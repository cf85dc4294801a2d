/*
 * chainc.sys — the innermost export driver of the chain scenario (chaina → chainb → chainc).
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
    DbgPrint("chainc: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("chainc: DllUnload\n");
    return STATUS_SUCCESS;
}

int NTAPI ChainC(int x)
{
    return x * 2;
}

/*
 * chainb.sys — an export driver that itself imports from another export driver (chainc.sys).
 */
#include <ntddk.h>
EXTERN_C DECLSPEC_IMPORT int NTAPI ChainC(int x);

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
    DbgPrint("chainb: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("chainb: DllUnload\n");
    return STATUS_SUCCESS;
}

int NTAPI ChainB(int x)
{
    return ChainC(x) + 1;
}

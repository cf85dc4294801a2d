/*
 * leakyuser.sys — imports LeakyLookup from leaky.sys.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI LeakyLookup(int i);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD LeakyuserUnload;

VOID LeakyuserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DbgPrint("leakyuser: LeakyLookup(3) = %d\n", LeakyLookup(3));
    DriverObject->DriverUnload = LeakyuserUnload;
    return STATUS_SUCCESS;
}

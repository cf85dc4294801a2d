/*
 * noinituser.sys — imports NoInitTwice from noinit.sys.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI NoInitTwice(int x);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD NoinituserUnload;

VOID NoinituserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("noinituser: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = NoInitTwice(21);
    DbgPrint("noinituser: DriverEntry(%wZ): NoInitTwice(21) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = NoinituserUnload;
    return result == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

/*
 * unloadfailuser.sys — imports from unloadfail.sys.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI UnloadFailRoutine(int x);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD UnloadfailuserUnload;

VOID UnloadfailuserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("unloadfailuser: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = UnloadFailRoutine(40);
    DbgPrint("unloadfailuser: DriverEntry(%wZ): UnloadFailRoutine(40) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = UnloadfailuserUnload;
    return result == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

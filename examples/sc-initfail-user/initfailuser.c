/*
 * initfailuser.sys — imports from initfail.sys, whose DllInitialize fails: this driver cannot load.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI InitFailRoutine(int x);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD InitfailuserUnload;

VOID InitfailuserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("initfailuser: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = InitFailRoutine(1);
    DbgPrint("initfailuser: DriverEntry(%wZ): InitFailRoutine(1) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = InitfailuserUnload;
    return result == 1 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

/*
 * dualuser.sys — imports DualAdd from dual.sys.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI DualAdd(int a, int b);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD DualuserUnload;

VOID DualuserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("dualuser: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = DualAdd(40, 2);
    DbgPrint("dualuser: DriverEntry(%wZ): DualAdd(40, 2) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = DualuserUnload;
    return result == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

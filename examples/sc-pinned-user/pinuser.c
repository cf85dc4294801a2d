/*
 * pinuser.sys — imports PinnedAdd from pinned.sys.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI PinnedAdd(int a, int b);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD PinuserUnload;

VOID PinuserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("pinuser: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = PinnedAdd(40, 2);
    DbgPrint("pinuser: DriverEntry(%wZ): PinnedAdd(40, 2) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = PinuserUnload;
    return result == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

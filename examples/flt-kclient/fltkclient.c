/*
 * fltkclient.sys - a client of fltkbase.sys: fills its name table and parses a name.
 */
#include "../flt-kbase/fltkbase.h"

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD FkClientUnload;

VOID
FkClientUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("fltkclient: unloaded with %lu names\n", FkTableCount());
}

NTSTATUS
DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING a = RTL_CONSTANT_STRING(L"\\Device\\HarddiskVolume1\\Windows\\notepad.exe");
    UNICODE_STRING b = RTL_CONSTANT_STRING(L"\\Device\\HarddiskVolume1\\readme.txt");
    UNICODE_STRING ext = { 0 }, final = { 0 };
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = FkClientUnload;
    status = FkTableInsert(&a);
    if (NT_SUCCESS(status))
        status = FkTableInsert(&b);
    if (!NT_SUCCESS(status))
        return status;
    status = FkNameParts(&a, &ext, &final);
    if (!NT_SUCCESS(status))
        return status;
    DbgPrint("fltkclient: %lu names; final component %wZ, extension %wZ\n", FkTableCount(), &final, &ext);
    return STATUS_SUCCESS;
}

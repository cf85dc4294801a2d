/*
 * bad-missing-module.sys — imports OtherRoutine from otherdrv.sys, an export driver that is not installed: the load fails with STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034).
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int OtherRoutine(int value);

DRIVER_UNLOAD SampleUnload;

VOID SampleUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("bad-missing-module: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("bad-missing-module: DriverEntry(%wZ)\n", RegistryPath);
    DbgPrint("other %d\n", OtherRoutine(7));
    DriverObject->DriverUnload = SampleUnload;
    return STATUS_SUCCESS;
}

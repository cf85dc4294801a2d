/*
 * bad-subsystem.sys — a standard driver linked with /subsystem:windows instead of native.
 */
#include <ntddk.h>

DRIVER_UNLOAD SampleUnload;

VOID SampleUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("bad-subsystem: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("bad-subsystem: DriverEntry(%wZ)\n", RegistryPath);
    DriverObject->DriverUnload = SampleUnload;
    return STATUS_SUCCESS;
}

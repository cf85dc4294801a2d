/*
 * bad-wx-section.sys — its .text section is linked writable and executable (/section:.text,RWE), which HVCI (memory integrity) refuses.
 */
#include <ntddk.h>

DRIVER_UNLOAD SampleUnload;

VOID SampleUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("bad-wx-section: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("bad-wx-section: DriverEntry(%wZ)\n", RegistryPath);
    DriverObject->DriverUnload = SampleUnload;
    return STATUS_SUCCESS;
}

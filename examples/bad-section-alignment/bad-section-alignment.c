/*
 * bad-section-alignment.sys — linked with /align:512: sections are not page aligned, so HVCI cannot protect them page by page.
 */
#include <ntddk.h>

DRIVER_UNLOAD SampleUnload;

VOID SampleUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("bad-section-alignment: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("bad-section-alignment: DriverEntry(%wZ)\n", RegistryPath);
    DriverObject->DriverUnload = SampleUnload;
    return STATUS_SUCCESS;
}

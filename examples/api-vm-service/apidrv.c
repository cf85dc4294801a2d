/*
 * apidrv.sys — DriverEntry hands over to a driver object of its own making (IoCreateDriver, an
 * undocumented ntoskrnl export: the object's name and the routine called with it).
 */
#include <ntddk.h>

NTKERNELAPI NTSTATUS NTAPI IoCreateDriver(PUNICODE_STRING DriverName, PDRIVER_INITIALIZE InitializationFunction);

static VOID NTAPI InnerUnload(PDRIVER_OBJECT Driver)
{
    UNREFERENCED_PARAMETER(Driver);
}

static NTSTATUS NTAPI InnerEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    Driver->DriverUnload = InnerUnload;
    return STATUS_SUCCESS;
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&name, L"\\Driver\\ApiDrvInner");
    return IoCreateDriver(&name, InnerEntry);
}

/*
 * dual.sys — a standard driver that is also an export driver (built as EXPORT_DRIVER, started as a service, and imported).
 */
#include <ntddk.h>
DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD DualUnload;

VOID DualUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("dual: DriverUnload\n");
}

/* A real DriverEntry: this export driver also runs as a standard driver when started as a service. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("dual: DriverEntry(%wZ)\n", RegistryPath);
    DriverObject->DriverUnload = DualUnload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("dual: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("dual: DllUnload\n");
    return STATUS_SUCCESS;
}

int NTAPI DualAdd(int a, int b)
{
    return a + b;
}

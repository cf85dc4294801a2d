/*
 * bad-unresolved-import.sys — imports KeFrobnicateWidget from ntoskrnl.exe, which the kernel does not export: the load fails with STATUS_DRIVER_ENTRYPOINT_NOT_FOUND (0xC0000263).
 */
#include <ntddk.h>

/* Not a real kernel routine: declared (and put in an import library for ntoskrnl.exe) by mistake. */
DECLSPEC_IMPORT int KeFrobnicateWidget(int widget);

DRIVER_UNLOAD SampleUnload;

VOID SampleUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("bad-unresolved-import: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("bad-unresolved-import: DriverEntry(%wZ)\n", RegistryPath);
    DbgPrint("widget %d\n", KeFrobnicateWidget(7));
    DriverObject->DriverUnload = SampleUnload;
    return STATUS_SUCCESS;
}

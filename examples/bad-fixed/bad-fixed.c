/*
 * bad-fixed.sys — linked with /fixed: no base relocations, but the kernel always loads drivers at an address of its choosing.
 */
#include <ntddk.h>

/* A table of pointers: absolute addresses the loader must fix up when the image moves. */
static const char *const Names[] = { "alpha", "beta", "gamma" };

DRIVER_UNLOAD SampleUnload;

VOID SampleUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("bad-fixed: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("bad-fixed: DriverEntry(%wZ)\n", RegistryPath);
    DbgPrint("%s\n", Names[RegistryPath->Length % 3]);
    DriverObject->DriverUnload = SampleUnload;
    return STATUS_SUCCESS;
}

/*
 * leaky.sys — an export driver that allocates pool in DllInitialize and forgets to free it in
 * DllUnload ("You can use the DllUnload routine to release any resources used by the routines in
 * the DLL", Creating Export Drivers): the allocation is reported as a leak when it unloads.
 */
#include <ntddk.h>

static PVOID Table;

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    Table = ExAllocatePoolWithTag(NonPagedPool, 32, 'kaeL');
    if (Table == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(Table, 32);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    /* Bug: ExFreePoolWithTag(Table, 'kaeL') is missing. */
    DbgPrint("leaky: DllUnload\n");
    return STATUS_SUCCESS;
}

int NTAPI LeakyLookup(int i)
{
    return ((int *)Table)[i & 7];
}

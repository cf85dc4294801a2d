/*
 * mydriver.sys — the export driver of the seeds ("Calling a DLL in a Kernel-Mode Driver",
 * "Creating Export Drivers"): a kernel-mode DLL with a stub DriverEntry, DllInitialize,
 * DllUnload and one routine other drivers import, LoadPrinterDriver.
 */
#include <ntddk.h>

/* Never called: an export driver is loaded by the kernel because another driver imports it. */
DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

/* Called by the kernel right after the first importer caused this DLL to load. */
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("mydriver: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

/* Called by the kernel when the last importer has unloaded. */
NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("mydriver: DllUnload\n");
    return STATUS_SUCCESS;
}

/* The routine client drivers call (declared DECLSPEC_IMPORT on their side). */
int NTAPI LoadPrinterDriver(int arg1)
{
    PVOID buffer = ExAllocatePoolWithTag(NonPagedPool, 64, 'rPyM');
    if (buffer == NULL)
        return -1;
    RtlZeroMemory(buffer, 64);
    ExFreePoolWithTag(buffer, 'rPyM');
    return arg1 + 1;
}

/*
 * dynlookup.sys — tries to link dynamically with MmGetSystemRoutineAddress, which only searches
 * ntoskrnl.exe and hal.dll (first seed): it finds DbgPrint, but not LoadPrinterDriver, even while
 * mydriver.sys (which exports it) is loaded.
 */
#include <ntddk.h>

typedef int (*LOAD_PRINTER_DRIVER)(int);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD DynlookupUnload;

VOID DynlookupUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("dynlookup: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING kernelName, exportName;
    PVOID kernelRoutine;
    LOAD_PRINTER_DRIVER routine;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&kernelName, L"DbgPrint");
    RtlInitUnicodeString(&exportName, L"LoadPrinterDriver");
    kernelRoutine = MmGetSystemRoutineAddress(&kernelName);
    routine = (LOAD_PRINTER_DRIVER)MmGetSystemRoutineAddress(&exportName);
    DbgPrint("dynlookup: DbgPrint %s, LoadPrinterDriver %s\n",
             kernelRoutine ? "found" : "not found", routine ? "found" : "not found");
    DriverObject->DriverUnload = DynlookupUnload;
    return (kernelRoutine != NULL && routine == NULL) ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

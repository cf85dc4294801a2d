/*
 * client2.sys — a second client of mydriver.sys (the diamond scenario: two importers, one export driver).
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI LoadPrinterDriver(int arg1);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD Client2Unload;

VOID Client2Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("client2: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = LoadPrinterDriver(99);
    DbgPrint("client2: DriverEntry(%wZ): LoadPrinterDriver(99) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = Client2Unload;
    return result == 100 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

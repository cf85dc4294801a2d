/*
 * client.sys — a standard driver that links against mydriver.lib and calls LoadPrinterDriver.
 * Loading it makes the kernel load mydriver.sys from System32\drivers first.
 */
#include <ntddk.h>

/* DECLSPEC_IMPORT + EXTERN_C, as the first seed prescribes. */
EXTERN_C DECLSPEC_IMPORT int NTAPI LoadPrinterDriver(int arg1);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD ClientUnload;

VOID ClientUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("client: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = LoadPrinterDriver(41);
    DbgPrint("client: DriverEntry(%wZ): LoadPrinterDriver(41) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = ClientUnload;
    return result == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

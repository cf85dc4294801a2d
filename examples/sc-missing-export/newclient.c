/*
 * newclient.sys — built against a newer mydriver.sys that also exports LoadPrinterDriverEx; the installed one does not (0xC0000263).
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int LoadPrinterDriverEx(int arg1, int flags);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD NewclientUnload;

VOID NewclientUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("newclient: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = LoadPrinterDriverEx(41, 0);
    DbgPrint("newclient: DriverEntry(%wZ): LoadPrinterDriverEx(41, 0) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = NewclientUnload;
    return result == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

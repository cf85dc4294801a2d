/*
 * ordclient.sys — imports mydriver.sys by ordinal 9 (NONAME); the installed mydriver.sys has 3 export slots (0xC0000262).
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int PrinterByOrdinal(int arg1);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD OrdclientUnload;

VOID OrdclientUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("ordclient: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = PrinterByOrdinal(41);
    DbgPrint("ordclient: DriverEntry(%wZ): PrinterByOrdinal(41) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = OrdclientUnload;
    return result == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

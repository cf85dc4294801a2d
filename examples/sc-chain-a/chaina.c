/*
 * chaina.sys — a standard driver at the top of the chain: imports ChainB from chainb.sys, which imports chainc.sys.
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT int NTAPI ChainB(int x);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD ChainaUnload;

VOID ChainaUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("chaina: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = ChainB(20);
    DbgPrint("chaina: DriverEntry(%wZ): ChainB(20) = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = ChainaUnload;
    return result == 41 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

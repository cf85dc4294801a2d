/*
 * usermode.sys — a driver linked against kernel32 (a user-mode DLL): the kernel refuses to load it (0xC000007A).
 */
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT unsigned long __stdcall GetTickCount(void);

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD UsermodeUnload;

VOID UsermodeUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("usermode: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int result = (int)GetTickCount();
    DbgPrint("usermode: DriverEntry(%wZ): (int)GetTickCount() = %d\n", RegistryPath, result);
    DriverObject->DriverUnload = UsermodeUnload;
    return result == 0 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

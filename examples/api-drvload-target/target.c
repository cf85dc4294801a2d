/* apidrvtg: loaded and unloaded by apidrvld through ZwLoadDriver / ZwUnloadDriver. */
#include "../include/drvload.h"

static VOID NTAPI TargetUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DrvLoadWriteDword(DRVLOAD_TARGET, L"Unloads", DrvLoadReadDword(DRVLOAD_TARGET, L"Unloads") + 1);
    DbgPrint("apidrvtg: DriverUnload\n");
}

static NTSTATUS NTAPI TargetAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(Pdo);
    return STATUS_SUCCESS;
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING expected;
    RtlInitUnicodeString(&expected, DRVLOAD_TARGET);
    DrvLoadWriteDword(DRVLOAD_TARGET, L"Entries", DrvLoadReadDword(DRVLOAD_TARGET, L"Entries") + 1);
    /* The I/O manager passes the service key's path (Learn, DriverEntry: RegistryPath). */
    DbgPrint("apidrvtg: DriverEntry, registry path %s\n", RtlEqualUnicodeString(RegistryPath, &expected, TRUE) ? "ok" : "wrong");
    if (DrvLoadReadDword(DRVLOAD_TARGET, L"Crash") == 1)
        *(volatile ULONG *)(ULONG_PTR)0x18 = 1; /* a crash of the loaded driver */
    if (DrvLoadReadDword(DRVLOAD_TARGET, L"FailEntry") == 1)
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    if (DrvLoadReadDword(DRVLOAD_TARGET, L"NoUnload") != 1)
        DriverObject->DriverUnload = TargetUnload;
    if (DrvLoadReadDword(DRVLOAD_TARGET, L"Pnp") == 1)
        DriverObject->DriverExtension->AddDevice = TargetAddDevice;
    return STATUS_SUCCESS;
}

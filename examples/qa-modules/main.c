/*
 * qamodules.sys — a WDDM display miniport's start on dxgkrnl.sys (through displib.c) and the
 * misuses of the port driver's device. Each Test* export returns the number of failed checks.
 */
#include "qamodules.h"

PDRIVER_OBJECT TheDriver;
BOOLEAN UnloadCalled;

static NTSTATUS NTAPI MiniportCallback(void) { return STATUS_SUCCESS; }

/* DxgkDdiUnload: the port driver's DriverUnload calls it when the miniport is unloaded. */
static VOID NTAPI MiniportUnload(VOID)
{
    UnloadCalled = TRUE;
    DbgPrint("qamodules: DxgkDdiUnload\n");
}

static VOID Unload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

__declspec(dllexport) ULONG TestDisplayMiniport(void)
{
    ULONG failures = 0;
    UNICODE_STRING reg = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\qamodules");
    QA_DRIVER_INITIALIZATION_DATA data;
    RtlZeroMemory(&data, sizeof(data));
    data.Version = QA_DXGKDDI_INTERFACE_VERSION_VISTA;
    data.DxgkDdiAddDevice = MiniportCallback;
    data.DxgkDdiStartDevice = MiniportCallback;
    data.DxgkDdiStopDevice = MiniportCallback;
    data.DxgkDdiRemoveDevice = MiniportCallback;
    data.DxgkDdiUnload = MiniportUnload;
    CHECK(QaDxgkInitialize(TheDriver, &reg, &data) == STATUS_SUCCESS);
    /* The port driver owns the driver object now: its DriverUnload calls DxgkDdiUnload. */
    CHECK(TheDriver->DriverUnload != NULL && TheDriver->DriverUnload != Unload);
    CHECK(!UnloadCalled);
    return failures;
}

__declspec(dllexport) ULONG TestDxgkrnlRequests(void)
{
    ULONG failures = 0;
    UNICODE_STRING service = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\DXGKrnl");
    PQA_DXGK_INITIALIZE port = NULL;
    USHORT small = 0;
    /* dxgkrnl.sys is loaded at boot: its service cannot be loaded again. */
    CHECK(ZwLoadDriver(&service) == STATUS_IMAGE_ALREADY_LOADED);
    CHECK(QaDxgkrnlRequest(QA_IOCTL_VIDEO_DDI_FUNC_REGISTER, &port, sizeof(port), NULL) == STATUS_SUCCESS);
    CHECK(port != NULL);
    /* An output buffer too small for the pointer, an IOCTL the port driver does not know. */
    CHECK(QaDxgkrnlRequest(QA_IOCTL_VIDEO_DDI_FUNC_REGISTER, &small, sizeof(small), NULL) == STATUS_BUFFER_TOO_SMALL);
    CHECK(QaDxgkrnlRequest(CTL_CODE(FILE_DEVICE_VIDEO, 0x7FF, METHOD_NEITHER, FILE_ANY_ACCESS), &port, sizeof(port), NULL) == STATUS_INVALID_DEVICE_REQUEST);
    if (port != NULL)
        CHECK(port(NULL, NULL, NULL) == STATUS_INVALID_PARAMETER);
    return failures;
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    TheDriver = DriverObject;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }

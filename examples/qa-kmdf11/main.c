/*
 * qakmdf11.sys — lessons from the WOA-Drivers ARM64 KMDF set (/work/wt/qa-kmdf11.md). Each Test*
 * export returns the number of failed checks (apitest.h's CHECK prints each failure).
 *
 * Declarations written here from Microsoft Learn's reference pages (mingw-w64's wdm.h has none of
 * them): ExQueryTimerResolution, IoReportInterruptActive / IoReportInterruptInactive and
 * IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS (wdm.h, Windows 8), MmAllocateMdlForIoSpace (wdm.h,
 * Windows 8), IoGetDriverDirectory (wdm.h, Windows 10 1803), PoFxRegisterCrashdumpDevice /
 * PoFxPowerOnCrashdumpDevice (wdm.h, Windows 10 1607), PoFxRegisterPluginEx (pepfx.h, Windows
 * 10), PcAddStreamResource / PcRemoveStreamResource / PcGetPhysicalDeviceObject (portcls.h),
 * WppRecorderConfigure and RECORDER_CONFIGURE_PARAMS (wpprecorder.h).
 */
#include "../include/apitest.h"

NTKERNELAPI VOID NTAPI ExQueryTimerResolution(PULONG MaximumTime, PULONG MinimumTime, PULONG CurrentTime);

typedef struct _IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS {
    ULONG Version;
    union {
        PVOID Generic;
        PVOID InterruptMessageTable;
        PVOID InterruptObject;
    } ConnectionContext;
} IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS, *PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS;
NTKERNELAPI VOID NTAPI IoReportInterruptActive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters);
NTKERNELAPI VOID NTAPI IoReportInterruptInactive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters);

NTKERNELAPI NTSTATUS NTAPI MmAllocateMdlForIoSpace(PVOID PhysicalAddressList, SIZE_T NumberOfEntries, PMDL *NewMdl);
NTKERNELAPI NTSTATUS NTAPI IoGetDriverDirectory(PVOID DriverObject, ULONG DirectoryType, ULONG Flags, PHANDLE DriverDirectoryHandle);
NTKERNELAPI NTSTATUS NTAPI PoFxRegisterCrashdumpDevice(PVOID Handle);
NTKERNELAPI NTSTATUS NTAPI PoFxPowerOnCrashdumpDevice(PVOID Handle, PVOID Context);
NTKERNELAPI NTSTATUS NTAPI PoFxRegisterPluginEx(PVOID PepInformation, ULONGLONG Flags, PVOID KernelInformation);
__declspec(dllimport) NTSTATUS NTAPI PcAddStreamResource(PDEVICE_OBJECT Pdo, PVOID Resource, PVOID ResourceHandle);
__declspec(dllimport) NTSTATUS NTAPI PcRemoveStreamResource(PVOID ResourceHandle);
__declspec(dllimport) NTSTATUS NTAPI PcGetPhysicalDeviceObject(PDEVICE_OBJECT DeviceObject, PDEVICE_OBJECT *PhysicalDeviceObject);

typedef enum { WppRecorderFalse = 0, WppRecorderTrue = 1, WppRecorderDefault = 2 } WPP_RECORDER_TRI_STATE;
typedef struct _RECORDER_CONFIGURE_PARAMS {
    ULONG Size;
    BOOLEAN CreateDefaultLog;
    WPP_RECORDER_TRI_STATE UseTimeStamp;
    WPP_RECORDER_TRI_STATE PreciseTimeStamp;
} RECORDER_CONFIGURE_PARAMS;
/* The imp_ form takes the driver's WPP control block first (drivers' code: examples/qa-kmdf12/wpp.c). */
__declspec(dllimport) NTSTATUS NTAPI imp_WppRecorderConfigure(PVOID WppCb, RECORDER_CONFIGURE_PARAMS *ConfigureParams);
static UCHAR WppControlBlock[64];

#define CONNECT_FULLY_SPECIFIED_V 1
#define CONNECT_LINE_BASED_V 2
#define CONNECT_MESSAGE_BASED_V 3

/* The clock's range: minimum <= current <= maximum, all nonzero, and the current tick is the
 * time increment KeQueryTimeIncrement reports (both describe the same clock interrupt). */
__declspec(dllexport) ULONG TestExQueryTimerResolution(void)
{
    ULONG failures = 0, max = 0, min = 0, cur = 0;
    ExQueryTimerResolution(&max, &min, &cur);
    CHECK(min != 0);
    CHECK(min <= cur);
    CHECK(cur <= max);
    CHECK(cur == KeQueryTimeIncrement());
    return failures;
}

/* Reports on a ConnectionContext no IoConnectInterruptEx returned: the kernel would dereference it
 * as its KINTERRUPT; kmdll stops at the first call with a bug check report (the test reads it). */
__declspec(dllexport) ULONG TestInterruptActiveReports(void)
{
    ULONG failures = 0;
    static UCHAR fakeInterrupt[64];
    IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS p;
    ULONG v;
    for (v = CONNECT_FULLY_SPECIFIED_V; v <= CONNECT_MESSAGE_BASED_V; v++) {
        p.Version = v;
        p.ConnectionContext.Generic = fakeInterrupt;
        IoReportInterruptInactive(&p);
        IoReportInterruptInactive(&p);
        IoReportInterruptActive(&p);
        IoReportInterruptActive(&p);
    }
    p.Version = 7;
    IoReportInterruptInactive(&p);
    return failures;
}

/* RECORDER_CONFIGURE_PARAMS_INIT's form (Size, CreateDefaultLog TRUE, the time stamps default),
 * then a Size nobody's INIT writes (kmdll warns). */
__declspec(dllexport) ULONG TestWppRecorderConfigure(void)
{
    ULONG failures = 0;
    RECORDER_CONFIGURE_PARAMS p;
    RtlZeroMemory(&p, sizeof(p));
    p.Size = sizeof(p);
    p.CreateDefaultLog = TRUE;
    p.UseTimeStamp = WppRecorderDefault;
    p.PreciseTimeStamp = WppRecorderDefault;
    CHECK(sizeof(p) == 16);
    CHECK(imp_WppRecorderConfigure(WppControlBlock, &p) == STATUS_SUCCESS);
    p.Size = 3;
    imp_WppRecorderConfigure(WppControlBlock, &p);
    return failures;
}

/* The image imports every routine above, so loading it shows they resolve. */
static PVOID volatile Resolved[8];
__declspec(dllexport) ULONG TestNewExportsResolve(void)
{
    ULONG failures = 0, i;
    Resolved[0] = (PVOID)MmAllocateMdlForIoSpace;
    Resolved[1] = (PVOID)IoGetDriverDirectory;
    Resolved[2] = (PVOID)PoFxRegisterCrashdumpDevice;
    Resolved[3] = (PVOID)PoFxPowerOnCrashdumpDevice;
    Resolved[4] = (PVOID)PoFxRegisterPluginEx;
    Resolved[5] = (PVOID)PcAddStreamResource;
    Resolved[6] = (PVOID)PcRemoveStreamResource;
    Resolved[7] = (PVOID)PcGetPhysicalDeviceObject;
    for (i = 0; i < ARRAY_LEN(Resolved); i++) CHECK(Resolved[i] != NULL);
    return failures;
}

/* ZwLoadDriver of a service that is not in the registry: STATUS_OBJECT_NAME_NOT_FOUND (Learn) —
 * for ACPI (acpi.sys, which every Windows has but kmdll does not emulate; Qualcomm's qcsubsys850
 * imports it) kmdll also warns that the gap is its own. (DXGKrnl, which Qualcomm's display driver
 * loads from DriverEntry, is now a built-in module: examples/qa-modules.) */
__declspec(dllexport) ULONG TestLoadMissingServices(void)
{
    ULONG failures = 0;
    UNICODE_STRING acpi = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\ACPI");
    UNICODE_STRING none = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\NoSuchQaService");
    CHECK(ZwLoadDriver(&acpi) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(ZwLoadDriver(&none) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}

static PDRIVER_OBJECT TheDriver;
static VOID Unload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

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

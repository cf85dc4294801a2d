/*
 * apifresh.sys — shared declarations. The WDK declares these routines and structures in wdm.h,
 * ntddk.h and ntifs.h; mingw-w64's headers lack them, so they are declared here from their
 * Microsoft Learn reference pages.
 */
#pragma once
#include <ntifs.h>

typedef enum _FRESH_MODE {
    ModeNormal = 0,
    ModeReportBogus = 1,       /* IoReportInterruptActive on an object that is no interrupt: bug check */
    ModeDisconnectVersion = 2, /* IoDisconnectInterruptEx with another Version than the connect returned: bug check */
    ModeKeepFsRegistration = 3, /* unload with the FS registration change routine still registered: verifier finding */
    ModeScanSyscallEntry = 4,   /* scan KiSystemCall64 from IA32_LSTAR as SSDT rootkits do (finds the lea r10 at +0xA2) */
    ModeProbeThenDecline = 5    /* a module-list size probe answered, then DriverEntry fails: the probe is no "last failed call" */
} FRESH_MODE;

VOID Check(BOOLEAN ok, PCSTR what);
extern ULONG g_Mode;
VOID TestIoSpace(VOID);
VOID TestInterrupts(PDEVICE_OBJECT control);
NTSTATUS NTAPI FreshAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo);
NTSTATUS NTAPI FreshDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp);
NTSTATUS NTAPI FreshDispatchPower(PDEVICE_OBJECT DeviceObject, PIRP Irp);
extern PDEVICE_OBJECT g_Control;
VOID TestFirmware(VOID);

/* ---- wdm.h (Windows 8): I/O-space MDLs */
typedef struct _MM_PHYSICAL_ADDRESS_LIST {
    PHYSICAL_ADDRESS PhysicalAddress;
    SIZE_T NumberOfBytes;
} MM_PHYSICAL_ADDRESS_LIST, *PMM_PHYSICAL_ADDRESS_LIST;
NTKERNELAPI NTSTATUS NTAPI MmAllocateMdlForIoSpace(PMM_PHYSICAL_ADDRESS_LIST PhysicalAddressList, SIZE_T NumberOfEntries, PMDL *NewMdl);

/* ---- wdm.h (Windows 10 1803) */
typedef enum _DRIVER_DIRECTORY_TYPE { DriverDirectoryImage, DriverDirectoryData, DriverDirectorySharedData } DRIVER_DIRECTORY_TYPE;
NTKERNELAPI NTSTATUS NTAPI IoGetDriverDirectory(PDRIVER_OBJECT DriverObject, DRIVER_DIRECTORY_TYPE DirectoryType, ULONG Flags, PHANDLE DriverDirectoryHandle);

/* ---- wdm.h (Windows 8): interrupt activity reports */
typedef struct _IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS {
    ULONG Version;
    union {
        PVOID Generic;
        PIO_INTERRUPT_MESSAGE_INFO InterruptMessageTable;
        PKINTERRUPT InterruptObject;
    } ConnectionContext;
} IO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS, *PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS;
NTKERNELAPI VOID NTAPI IoReportInterruptActive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters);
NTKERNELAPI VOID NTAPI IoReportInterruptInactive(PIO_REPORT_INTERRUPT_ACTIVE_STATE_PARAMETERS Parameters);

/* ---- wdm.h (Windows 8 / 8.1): timer resolution, crash-dump devices of PoFx */
NTKERNELAPI VOID NTAPI ExQueryTimerResolution(PULONG MaximumTime, PULONG MinimumTime, PULONG CurrentTime);
NTKERNELAPI NTSTATUS NTAPI PoFxRegisterCrashdumpDevice(POHANDLE Handle);
NTKERNELAPI NTSTATUS NTAPI PoFxPowerOnCrashdumpDevice(POHANDLE Handle, PVOID Context);
typedef VOID NTAPI PO_FX_DEVICE_POWER_CALLBACK(PVOID Context);
typedef struct _PO_FX_DEVICE_V1 {
    ULONG Version;
    ULONG ComponentCount;
    PO_FX_COMPONENT_ACTIVE_CONDITION_CALLBACK *ComponentActiveConditionCallback;
    PO_FX_COMPONENT_IDLE_CONDITION_CALLBACK *ComponentIdleConditionCallback;
    PO_FX_COMPONENT_IDLE_STATE_CALLBACK *ComponentIdleStateCallback;
    PO_FX_DEVICE_POWER_CALLBACK *DevicePowerRequiredCallback;
    PO_FX_DEVICE_POWER_CALLBACK *DevicePowerNotRequiredCallback;
    PO_FX_POWER_CONTROL_CALLBACK *PowerControlCallback;
    PVOID DeviceContext;
    PO_FX_COMPONENT_V1 Components[1];
} PO_FX_DEVICE_V1, *PPO_FX_DEVICE_V1;
NTKERNELAPI NTSTATUS NTAPI PoFxRegisterDevice(PDEVICE_OBJECT Pdo, PPO_FX_DEVICE_V1 Device, POHANDLE *Handle);
NTKERNELAPI VOID NTAPI PoFxUnregisterDevice(POHANDLE Handle);

/* ---- ntifs.h: IoRegisterFsRegistrationChangeEx is declared there for Windows 2000 only */
NTKERNELAPI NTSTATUS NTAPI IoRegisterFsRegistrationChangeEx(PDRIVER_OBJECT DriverObject, PDRIVER_FS_NOTIFICATION DriverNotificationRoutine);

/* ---- ntddk.h: SystemFirmwareTableInformation (class 76) */
#define SystemFirmwareTableInformationClass 76
typedef struct _FRESH_FIRMWARE_TABLE_INFORMATION {
    ULONG ProviderSignature;
    ULONG Action; /* SystemFirmwareTable_Enumerate 0, SystemFirmwareTable_Get 1 */
    ULONG TableID;
    ULONG TableBufferLength;
    UCHAR TableBuffer[1];
} FRESH_FIRMWARE_TABLE_INFORMATION, *PFRESH_FIRMWARE_TABLE_INFORMATION;
NTSYSAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);

double __cdecl sqrt(double x);

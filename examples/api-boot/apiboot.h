/*
 * apiboot.sys — shared declarations. The WDK declares these routines and structures in wdm.h,
 * ntddk.h and fwpmk.h (Windows 8+); mingw-w64's headers lack them, so they are declared here
 * from their Microsoft Learn reference pages.
 */
#pragma once
#include <ntifs.h>

/* What the service key's REG_DWORD "Mode" asks DriverEntry to do. */
typedef enum _BOOT_MODE {
    ModeNormal = 0,
    ModeIdleUnreferenced = 1,   /* PoFxIdleComponent on a component holding no reference: bug check */
    ModeLeaveElam = 2,          /* unload with the boot driver callback still registered */
    ModeSyncNotify = 3,         /* ZwNotifyChangeKey(Asynchronous FALSE) in DriverEntry: waits for ever */
    ModeHalDispatch = 4         /* call HalDispatchTable->HalQuerySystemInformation: not modelled by kmdll */
} BOOT_MODE;

ULONG ReadMode(PUNICODE_STRING RegistryPath);
VOID Check(BOOLEAN ok, PCSTR what);
extern ULONG g_Checks, g_Failures;

/* ---- ELAM (ntddk.h) */
typedef enum _BDCB_CALLBACK_TYPE { BdCbStatusUpdate, BdCbInitializeImage } BDCB_CALLBACK_TYPE;
typedef VOID BOOT_DRIVER_CALLBACK_FUNCTION(PVOID CallbackContext, BDCB_CALLBACK_TYPE Classification, PVOID ImageInformation);
typedef BOOT_DRIVER_CALLBACK_FUNCTION *PBOOT_DRIVER_CALLBACK_FUNCTION;
NTKERNELAPI PVOID NTAPI IoRegisterBootDriverCallback(PBOOT_DRIVER_CALLBACK_FUNCTION CallbackFunction, PVOID CallbackContext);
NTKERNELAPI VOID NTAPI IoUnregisterBootDriverCallback(PVOID CallbackHandle);

/* ---- PoFx (wdm.h; mingw-w64 has POHANDLE, the component structures and the callback types) */
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
NTKERNELAPI VOID NTAPI PoFxStartDevicePowerManagement(POHANDLE Handle);
NTKERNELAPI VOID NTAPI PoFxActivateComponent(POHANDLE Handle, ULONG Component, ULONG Flags);
NTKERNELAPI VOID NTAPI PoFxIdleComponent(POHANDLE Handle, ULONG Component, ULONG Flags);
NTKERNELAPI VOID NTAPI PoFxCompleteIdleCondition(POHANDLE Handle, ULONG Component);
NTKERNELAPI VOID NTAPI PoFxSetComponentLatency(POHANDLE Handle, ULONG Component, ULONGLONG Latency);
NTKERNELAPI VOID NTAPI PoFxSetComponentResidency(POHANDLE Handle, ULONG Component, ULONGLONG Residency);
NTKERNELAPI VOID NTAPI PoFxSetComponentWake(POHANDLE Handle, ULONG Component, BOOLEAN WakeHint);
NTKERNELAPI VOID NTAPI PoFxSetDeviceIdleTimeout(POHANDLE Handle, ULONGLONG IdleTimeout);
NTKERNELAPI VOID NTAPI PoFxReportDevicePoweredOn(POHANDLE Handle);
NTKERNELAPI VOID NTAPI PoFxCompleteDevicePowerNotRequired(POHANDLE Handle);
NTKERNELAPI VOID NTAPI PoFxCompleteIdleState(POHANDLE Handle, ULONG Component);
NTKERNELAPI VOID NTAPI PoFxNotifySurprisePowerOn(PDEVICE_OBJECT Pdo);
NTKERNELAPI NTSTATUS NTAPI PoFxPowerControl(POHANDLE Handle, LPCGUID Code, PVOID In, SIZE_T InSize, PVOID Out, SIZE_T OutSize, PSIZE_T Returned);
#define PO_MEM_DISCARD 0x00008000
NTKERNELAPI VOID NTAPI PoSetHiberRange(PVOID MemoryMap, ULONG Flags, PVOID Address, ULONG_PTR Length, ULONG Tag);

/* ---- PCW (wdm.h) */
typedef struct _PCW_REGISTRATION *PPCW_REGISTRATION;
typedef struct _PCW_INSTANCE *PPCW_INSTANCE;
typedef struct _PCW_BUFFER *PPCW_BUFFER;
#define PCW_VERSION_1 0x0100
typedef struct _PCW_COUNTER_DESCRIPTOR { USHORT Id; USHORT StructIndex; USHORT Offset; USHORT Size; } PCW_COUNTER_DESCRIPTOR, *PPCW_COUNTER_DESCRIPTOR;
typedef struct _PCW_DATA { const VOID *Data; ULONG Size; } PCW_DATA, *PPCW_DATA;
typedef NTSTATUS NTAPI PCW_CALLBACK(ULONG Type, PVOID Info, PVOID Context);
typedef struct _PCW_REGISTRATION_INFORMATION {
    ULONG Version;
    PCUNICODE_STRING Name;
    ULONG CounterCount;
    PPCW_COUNTER_DESCRIPTOR Counters;
    PCW_CALLBACK *Callback;
    PVOID CallbackContext;
} PCW_REGISTRATION_INFORMATION, *PPCW_REGISTRATION_INFORMATION;
NTKERNELAPI NTSTATUS NTAPI PcwRegister(PPCW_REGISTRATION *Registration, PPCW_REGISTRATION_INFORMATION Info);
NTKERNELAPI VOID NTAPI PcwUnregister(PPCW_REGISTRATION Registration);
NTKERNELAPI NTSTATUS NTAPI PcwCreateInstance(PPCW_INSTANCE *Instance, PPCW_REGISTRATION Registration, PCUNICODE_STRING Name, ULONG Count, PPCW_DATA Data);
NTKERNELAPI VOID NTAPI PcwCloseInstance(PPCW_INSTANCE Instance);

/* ---- BFE state (fwpmk.h) */
typedef enum _FWPM_SERVICE_STATE { FWPM_SERVICE_STOPPED, FWPM_SERVICE_START_PENDING, FWPM_SERVICE_STOP_PENDING, FWPM_SERVICE_RUNNING } FWPM_SERVICE_STATE;
typedef VOID NTAPI FWPM_SERVICE_STATE_CHANGE_CALLBACK0(PVOID Context, FWPM_SERVICE_STATE NewState);
FWPM_SERVICE_STATE NTAPI FwpmBfeStateGet0(VOID);
NTSTATUS NTAPI FwpmBfeStateSubscribeChanges0(PVOID DeviceObject, FWPM_SERVICE_STATE_CHANGE_CALLBACK0 *Callback, PVOID Context, HANDLE *ChangeHandle);
NTSTATUS NTAPI FwpmBfeStateUnsubscribeChanges0(HANDLE ChangeHandle);

/* ---- the rest */
NTSYSAPI NTSTATUS NTAPI RtlCreateUserThread(HANDLE Process, PSECURITY_DESCRIPTOR Sd, BOOLEAN CreateSuspended, ULONG StackZeroBits, SIZE_T StackReserve, SIZE_T StackCommit, PVOID StartAddress, PVOID Parameter, PHANDLE ThreadHandle, PCLIENT_ID ClientId);
NTHALAPI NTSTATUS NTAPI HalDmaAllocateCrashDumpRegistersEx(PVOID Adapter, ULONG NumberOfMapRegisters, ULONG Type, PVOID *MapRegisterBase, PULONG MapRegistersAvailable);
NTHALAPI NTSTATUS NTAPI HalDmaFreeCrashDumpRegistersEx(PVOID Adapter, ULONG Type);

/* The parts, one per file. */
VOID TestElam(ULONG mode);
VOID ElamUnload(VOID);
VOID TestPower(PDEVICE_OBJECT device, ULONG mode);
VOID PowerUnload(VOID);
VOID TestCounters(VOID);
VOID TestRegistryWatch(PUNICODE_STRING RegistryPath, ULONG mode);
VOID RegistryWatchReport(VOID);
VOID TestMisc(PDEVICE_OBJECT device, ULONG mode);
VOID MiscUnload(VOID);

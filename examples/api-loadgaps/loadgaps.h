/*
 * apiloadgaps.sys — shared declarations. The WDK declares these routines and structures in wdm.h
 * and ntddk.h (Windows 8.1 / 10); mingw-w64's headers lack them, so they are declared here from
 * their Microsoft Learn reference pages.
 */
#pragma once
#include <ntifs.h>

typedef enum _LOADGAPS_MODE {
    ModeNormal = 0,
    ModeUnregisteredPerf = 1, /* PoFxIssueComponentPerfStateChange on a component without perf states: bug check */
    ModeBadPerfFlags = 2,     /* PoFxIssueComponentPerfStateChange with Flags 0: bug check */
    ModeTimerBothRes = 3,     /* ExAllocateTimer(EX_TIMER_HIGH_RESOLUTION | EX_TIMER_NO_WAKE): bug check */
    ModeTimerDeleted = 4,     /* ExSetTimer on a deleted timer: bug check */
    ModeTimerWaitNoCancel = 5 /* ExDeleteTimer(Cancel FALSE, Wait TRUE): bug check */
} LOADGAPS_MODE;

VOID Check(BOOLEAN ok, PCSTR what);
VOID TestPerf(PDEVICE_OBJECT device, ULONG mode);
VOID PerfUnload(VOID);
extern volatile ULONG g_PerfCalls;

/* ---- PoFx (wdm.h): the V1 device (mingw-w64 has POHANDLE and PO_FX_COMPONENT_V1) */
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
NTKERNELAPI VOID NTAPI PoFxCompleteIdleCondition(POHANDLE Handle, ULONG Component);

/* ---- PoFx performance states (wdm.h, Windows 10) */
typedef enum _PO_FX_PERF_STATE_UNIT { PoFxPerfStateUnitOther, PoFxPerfStateUnitFrequency, PoFxPerfStateUnitBandwidth, PoFxPerfStateUnitMaximum } PO_FX_PERF_STATE_UNIT;
typedef enum _PO_FX_PERF_STATE_TYPE { PoFxPerfStateTypeDiscrete, PoFxPerfStateTypeRange, PoFxPerfStateTypeMaximum } PO_FX_PERF_STATE_TYPE;
typedef struct _PO_FX_PERF_STATE { ULONGLONG Value; PVOID Context; } PO_FX_PERF_STATE, *PPO_FX_PERF_STATE;
typedef struct _PO_FX_COMPONENT_PERF_SET {
    UNICODE_STRING Name;
    ULONGLONG Flags;
    PO_FX_PERF_STATE_UNIT Unit;
    PO_FX_PERF_STATE_TYPE Type;
    union {
        struct { ULONG Count; PPO_FX_PERF_STATE States; } Discrete;
        struct { ULONGLONG Minimum; ULONGLONG Maximum; } Range;
    };
} PO_FX_COMPONENT_PERF_SET, *PPO_FX_COMPONENT_PERF_SET;
typedef struct _PO_FX_COMPONENT_PERF_INFO { ULONG PerfStateSetsCount; PO_FX_COMPONENT_PERF_SET PerfStateSets[1]; } PO_FX_COMPONENT_PERF_INFO, *PPO_FX_COMPONENT_PERF_INFO;
typedef struct _PO_FX_PERF_STATE_CHANGE { ULONG Set; union { ULONG StateIndex; ULONGLONG StateValue; }; } PO_FX_PERF_STATE_CHANGE, *PPO_FX_PERF_STATE_CHANGE;
typedef VOID NTAPI PO_FX_COMPONENT_PERF_STATE_CALLBACK(PVOID Context, ULONG Component, BOOLEAN Succeeded, PVOID RequestContext);
typedef PO_FX_COMPONENT_PERF_STATE_CALLBACK *PPO_FX_COMPONENT_PERF_STATE_CALLBACK;
#define PO_FX_FLAG_PERF_PEP_OPTIONAL 0x1
#define PO_FX_FLAG_BLOCKING 0x1
#define PO_FX_FLAG_ASYNC_ONLY 0x2
NTKERNELAPI NTSTATUS NTAPI PoFxRegisterComponentPerfStates(POHANDLE Handle, ULONG Component, ULONGLONG Flags, PPO_FX_COMPONENT_PERF_STATE_CALLBACK ComponentPerfStateCallback, PPO_FX_COMPONENT_PERF_INFO InputStateInfo, PPO_FX_COMPONENT_PERF_INFO *OutputStateInfo);
NTKERNELAPI VOID NTAPI PoFxIssueComponentPerfStateChange(POHANDLE Handle, ULONG Flags, ULONG Component, PPO_FX_PERF_STATE_CHANGE PerfChange, PVOID Context);
NTKERNELAPI VOID NTAPI PoFxIssueComponentPerfStateChangeMultiple(POHANDLE Handle, ULONG Flags, ULONG Component, ULONG PerfChangesCount, PO_FX_PERF_STATE_CHANGE PerfChanges[], PVOID Context);
NTKERNELAPI NTSTATUS NTAPI PoFxQueryCurrentComponentPerfState(POHANDLE Handle, ULONG Flags, ULONG Component, ULONG SetIndex, PULONGLONG CurrentPerf);

/* ---- ntddk.h / wdm.h */
NTKERNELAPI NTSTATUS NTAPI IoQueryFullDriverPath(PDRIVER_OBJECT DriverObject, PUNICODE_STRING FullPath);
NTKERNELAPI BOOLEAN NTAPI ExIsManufacturingModeEnabled(VOID);
typedef enum _DRIVER_REGKEY_TYPE { DriverRegKeyParameters, DriverRegKeyPersistentState, DriverRegKeySharedPersistentState } DRIVER_REGKEY_TYPE;
NTKERNELAPI NTSTATUS NTAPI IoOpenDriverRegistryKey(PDRIVER_OBJECT DriverObject, DRIVER_REGKEY_TYPE RegKeyType, ACCESS_MASK DesiredAccess, ULONG Flags, PHANDLE DriverRegKey);
NTKERNELAPI NTSTATUS NTAPI IoGetIommuInterface(ULONG Version, PVOID InterfaceOut);
_CRTIMP unsigned long __cdecl wcstoul(const wchar_t *String, wchar_t **EndPtr, int Radix);

/* ---- Windows 8.1 high-resolution timers: mingw-w64's wdm.h declares EX_TIMER, EXT_SET_PARAMETERS,
 * EXT_DELETE_PARAMETERS, ExAllocateTimer/ExSetTimer/ExCancelTimer/ExDeleteTimer and
 * ExInitializeSetTimerParameters; ExInitializeDeleteTimerParameters (a wdm.h inline) is defined here. */
static __inline VOID LgInitializeDeleteTimerParameters(PEXT_DELETE_PARAMETERS p) { RtlZeroMemory(p, sizeof(*p)); }
VOID TestTimers(ULONG mode);

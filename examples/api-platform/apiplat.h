/*
 * apiplat.sys - shared declarations of the platform test driver.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

/* The CRT's multibyte conversions, as ntoskrnl exports them. */
size_t __cdecl mbstowcs(wchar_t *, const char *, size_t);
size_t __cdecl wcstombs(char *, const wchar_t *, size_t);

/* Routines found at run time (MmGetSystemRoutineAddress), as drivers for several versions do. */
typedef NTSTATUS (NTAPI *PFN_QUERY_FEATURE)(ULONG, ULONG, PULONGLONG, PVOID);
typedef ULONGLONG (NTAPI *PFN_FEATURE_STAMP)(VOID);
typedef VOID (NTAPI *PFN_FEATURE_CALLBACK)(PVOID);
typedef NTSTATUS (NTAPI *PFN_REGISTER_FEATURE)(PFN_FEATURE_CALLBACK, PVOID, PULONGLONG, PVOID *);
typedef NTSTATUS (NTAPI *PFN_UNREGISTER_FEATURE)(PVOID);
typedef BOOLEAN (NTAPI *PFN_TRY_QUEUE)(PIO_WORKITEM, PIO_WORKITEM_ROUTINE_EX, WORK_QUEUE_TYPE, PVOID);
typedef NTSTATUS (NTAPI *PFN_THREAD_NOTIFY_EX)(ULONG, PVOID);
typedef NTSTATUS (NTAPI *PFN_PROCESS_NOTIFY_EX2)(ULONG, PVOID, BOOLEAN);

PVOID PlatRoutine(PCWSTR Name);

/* cng.sys (bcrypt.h declarations, kernel-mode subset). */
typedef PVOID BCRYPT_ALG_HANDLE, BCRYPT_HASH_HANDLE;
NTSTATUS NTAPI BCryptOpenAlgorithmProvider(BCRYPT_ALG_HANDLE *, PCWSTR, PCWSTR, ULONG);
NTSTATUS NTAPI BCryptCloseAlgorithmProvider(BCRYPT_ALG_HANDLE, ULONG);
NTSTATUS NTAPI BCryptGetProperty(PVOID, PCWSTR, PUCHAR, ULONG, ULONG *, ULONG);
NTSTATUS NTAPI BCryptCreateHash(BCRYPT_ALG_HANDLE, BCRYPT_HASH_HANDLE *, PUCHAR, ULONG, PUCHAR, ULONG, ULONG);
NTSTATUS NTAPI BCryptHashData(BCRYPT_HASH_HANDLE, PUCHAR, ULONG, ULONG);
NTSTATUS NTAPI BCryptFinishHash(BCRYPT_HASH_HANDLE, PUCHAR, ULONG, ULONG);
NTSTATUS NTAPI BCryptDestroyHash(BCRYPT_HASH_HANDLE);

/* WppRecorder.sys (the WPP templates' declarations). */
VOID WppAutoLogStart(PVOID WppCb, PDRIVER_OBJECT DrvObj, PCUNICODE_STRING RegPath);
VOID WppAutoLogStop(PVOID WppCb, PDRIVER_OBJECT DrvObj);
NTSTATUS WppAutoLogTrace(PVOID AutoLogContext, UCHAR MessageLevel, ULONG MessageFlags, LPGUID MessageGuid, USHORT MessageNumber, ...);

/* fltmgr.sys: FltDoCompletionProcessingWhenSafe with the callback data kept opaque. */
typedef ULONG (NTAPI *PFN_SAFE_POST)(PVOID Data, PVOID FltObjects, PVOID CompletionContext, ULONG Flags);
BOOLEAN NTAPI FltDoCompletionProcessingWhenSafe(PVOID Data, PVOID FltObjects, PVOID CompletionContext, ULONG Flags, PFN_SAFE_POST SafePostCallback, PULONG RetPostOperationStatus);

#define STATUS_DEBUGGER_INACTIVE_ ((NTSTATUS)0xC0000354L)
#define WILD_POINTER ((PVOID)(ULONG_PTR)0xFFFFA000DEAD0000ULL)

/* ZwQuerySystemInformation(SystemModuleInformation) as ntoskrnl exports it (not in the WDK headers). */
NTKERNELAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);
typedef struct _PLAT_MODULE {
    HANDLE Section;
    PVOID MappedBase;
    PVOID ImageBase;
    ULONG ImageSize;
    ULONG Flags;
    USHORT LoadOrderIndex;
    USHORT InitOrderIndex;
    USHORT LoadCount;
    USHORT OffsetToFileName;
    UCHAR FullPathName[256];
} PLAT_MODULE;
typedef struct _PLAT_MODULES {
    ULONG NumberOfModules;
    PLAT_MODULE Modules[1];
} PLAT_MODULES;

/* SYSTEM_BATTERY_STATE (winnt.h). */
typedef struct _PLAT_BATTERY_STATE {
    BOOLEAN AcOnLine;
    BOOLEAN BatteryPresent;
    BOOLEAN Charging;
    BOOLEAN Discharging;
    BOOLEAN Spare1[3];
    UCHAR Tag;
    ULONG MaxCapacity;
    ULONG RemainingCapacity;
    ULONG Rate;
    ULONG EstimatedTime;
    ULONG DefaultAlert1;
    ULONG DefaultAlert2;
} PLAT_BATTERY_STATE;

/* PROCESSOR_POWER_INFORMATION (ntpoapi.h; mingw-w64's copy is broken). */
typedef struct _PLAT_CPU_POWER {
    ULONG Number;
    ULONG MaxMhz;
    ULONG CurrentMhz;
    ULONG MhzLimit;
    ULONG MaxIdleState;
    ULONG CurrentIdleState;
} PLAT_CPU_POWER;

/* POWER_PLATFORM_INFORMATION (ntpoapi.h). */
typedef struct _PLAT_POWER_PLATFORM {
    BOOLEAN AoAc;
} PLAT_POWER_PLATFORM;

/* POWER_INFORMATION_LEVEL values (ntpoapi.h). */
#define PLAT_SystemBatteryState     5
#define PLAT_ProcessorInformation   11
#define PLAT_PlatformInformation    66

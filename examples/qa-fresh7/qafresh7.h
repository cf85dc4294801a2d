/*
 * qafresh7.sys — shared declarations. Prototypes and layouts are written here from Microsoft
 * Learn's reference pages (wdm.h: EtwSetInformation, KeQueryAuxiliaryCounterFrequency,
 * KeConvertAuxiliaryCounterToPerformanceCounter, KeConvertPerformanceCounterToAuxiliaryCounter,
 * KeInitializeTriageDumpDataArray, KeAddTriageDumpDataBlock, KTRIAGE_DUMP_DATA_ARRAY; fwpsk.h:
 * FwpsInjectionHandleCreate0; evntprov.h: EVENT_INFO_CLASS); SYSTEM_TIMEOFDAY_INFORMATION has the
 * field list the native-API headers publish (winternl.h gives only its 48-byte size). NTAPI:
 * stdcall on x86.
 */
#pragma once
#include <ntddk.h>
#include "../include/apitest.h"

/* EVENT_INFO_CLASS (evntprov.h) */
#define QA_EventProviderBinaryTrackInfo 0
#define QA_EventProviderSetReserved1 1
#define QA_EventProviderSetTraits 2
#define QA_EventProviderUseDescriptorType 3
#define QA_MaxEventInfo 4

NTKERNELAPI NTSTATUS NTAPI EtwSetInformation(REGHANDLE RegHandle, ULONG InformationClass, PVOID EventInformation, ULONG InformationLength);

NTKERNELAPI NTSTATUS NTAPI KeQueryAuxiliaryCounterFrequency(PULONG64 AuxiliaryCounterFrequency);
NTKERNELAPI NTSTATUS NTAPI KeConvertAuxiliaryCounterToPerformanceCounter(ULONG64 AuxiliaryCounterValue, PULONG64 PerformanceCounterValue, PULONG64 ConversionError);
NTKERNELAPI NTSTATUS NTAPI KeConvertPerformanceCounterToAuxiliaryCounter(ULONG64 PerformanceCounterValue, PULONG64 AuxiliaryCounterValue, PULONG64 ConversionError);

typedef struct QA_KADDRESS_RANGE { PVOID Address; SIZE_T Size; } QA_KADDRESS_RANGE;
typedef struct QA_KTRIAGE_DUMP_DATA_ARRAY {
    LIST_ENTRY List;
    ULONG NumBlocksUsed;
    ULONG NumBlocksTotal;
    ULONG DataSize;
    ULONG MaxDataSize;
    ULONG ComponentNameBufferLength;
    PUCHAR ComponentName;
    QA_KADDRESS_RANGE Blocks[1];
} QA_KTRIAGE_DUMP_DATA_ARRAY;
NTKERNELAPI NTSTATUS NTAPI KeInitializeTriageDumpDataArray(QA_KTRIAGE_DUMP_DATA_ARRAY *KtriageDumpDataArray, ULONG Size);
NTKERNELAPI NTSTATUS NTAPI KeAddTriageDumpDataBlock(QA_KTRIAGE_DUMP_DATA_ARRAY *KtriageDumpDataArray, PVOID Address, SIZE_T Size);

#define QA_AF_INET 2
#define QA_AF_INET6 23
#define QA_FWPS_INJECTION_TYPE_NETWORK 0x00000004
__declspec(dllimport) NTSTATUS NTAPI FwpsInjectionHandleCreate0(USHORT addressFamily, UINT32 flags, HANDLE *injectionHandle);
__declspec(dllimport) NTSTATUS NTAPI FwpsInjectionHandleDestroy0(HANDLE injectionHandle);

#define QA_SystemTimeOfDayInformation 3
typedef struct QA_SYSTEM_TIMEOFDAY_INFORMATION {
    LARGE_INTEGER BootTime;
    LARGE_INTEGER CurrentTime;
    LARGE_INTEGER TimeZoneBias;
    ULONG TimeZoneId;
    ULONG Reserved;
    ULONGLONG BootTimeBias;
    ULONGLONG SleepTimeBias;
} QA_SYSTEM_TIMEOFDAY_INFORMATION;
NTSYSAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);

/* ntddk.h (Windows 10 2004) */
NTKERNELAPI NTSTATUS NTAPI ExGetSystemFirmwareTable(ULONG FirmwareTableProviderSignature, ULONG FirmwareTableID, PVOID pFirmwareTableBuffer, ULONG BufferLength, PULONG ReturnLength);
NTKERNELAPI NTSTATUS NTAPI ExEnumerateSystemFirmwareTables(ULONG FirmwareTableProviderSignature, PVOID pFirmwareTableBuffer, ULONG BufferLength, PULONG ReturnLength);

/* The driver object (main.c). */
extern PDRIVER_OBJECT QaDriver;

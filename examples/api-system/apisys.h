/*
 * apisys.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; the Wild* exports pass bad pointers on purpose.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define SYS_TAG 'sySA' /* "ASys" */

/* Declared in ntifs.h of the WDK but missing from mingw-w64's headers (Microsoft Learn). */
NTKERNELAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);
NTKERNELAPI PCHAR NTAPI PsGetProcessImageFileName(PEPROCESS Process);
NTKERNELAPI PVOID NTAPI PsGetProcessSectionBaseAddress(PEPROCESS Process);
NTSYSAPI BOOLEAN NTAPI RtlValidAcl(PACL Acl);
NTKERNELAPI PPEB NTAPI PsGetProcessPeb(PEPROCESS Process);
NTKERNELAPI PVOID NTAPI PsGetProcessWow64Process(PEPROCESS Process);
NTKERNELAPI HANDLE NTAPI PsGetProcessInheritedFromUniqueProcessId(PEPROCESS Process);
NTKERNELAPI NTSTATUS NTAPI PsGetProcessExitStatus(PEPROCESS Process);
NTKERNELAPI LONGLONG NTAPI PsGetProcessCreateTimeQuadPart(PEPROCESS Process);
NTKERNELAPI ULONG NTAPI PsGetProcessSessionId(PEPROCESS Process);
NTKERNELAPI BOOLEAN NTAPI PsIsProtectedProcess(PEPROCESS Process);
NTKERNELAPI PEPROCESS NTAPI PsGetThreadProcess(PETHREAD Thread);
NTKERNELAPI ULONG NTAPI PsGetThreadSessionId(PETHREAD Thread);
NTKERNELAPI PVOID NTAPI PsGetThreadWin32Thread(PETHREAD Thread);
NTKERNELAPI PVOID NTAPI PsGetCurrentThreadWin32Thread(VOID);
NTKERNELAPI POBJECT_TYPE NTAPI ObGetObjectType(PVOID Object);
NTKERNELAPI NTSTATUS NTAPI NtQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);
NTKERNELAPI NTSTATUS NTAPI SeCaptureSecurityDescriptor(PSECURITY_DESCRIPTOR InputSecurityDescriptor, KPROCESSOR_MODE RequestorMode,
    POOL_TYPE PoolType, BOOLEAN ForceCapture, PSECURITY_DESCRIPTOR *OutputSecurityDescriptor);
NTKERNELAPI VOID NTAPI SeReleaseSecurityDescriptor(PSECURITY_DESCRIPTOR CapturedSecurityDescriptor, KPROCESSOR_MODE RequestorMode, BOOLEAN ForceCapture);

typedef struct _MODULE_ENTRY {
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
} MODULE_ENTRY;

typedef struct _MODULE_LIST {
    ULONG NumberOfModules;
    MODULE_ENTRY Modules[1];
} MODULE_LIST;

/* SYSTEM_BASIC_INFORMATION (ntddk/ReactOS headers): 64 bytes on x64, 44 on x86. */
typedef struct _BASIC_INFO {
    ULONG Reserved;
    ULONG TimerResolution;
    ULONG PageSize;
    ULONG NumberOfPhysicalPages;
    ULONG LowestPhysicalPageNumber;
    ULONG HighestPhysicalPageNumber;
    ULONG AllocationGranularity;
    ULONG_PTR MinimumUserModeAddress;
    ULONG_PTR MaximumUserModeAddress;
    ULONG_PTR ActiveProcessorsAffinityMask;
    CCHAR NumberOfProcessors;
} BASIC_INFO;

/* SYSTEM_PROCESS_INFORMATION and SYSTEM_THREAD_INFORMATION as winternl.h declares them (the
 * compiler lays them out per arch: 0xB8 / 0x40 bytes on x86, 0x100 / 0x50 on x64). */
typedef struct _PROC_ENTRY {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    LARGE_INTEGER Reserved[3];
    LARGE_INTEGER CreateTime;
    LARGE_INTEGER UserTime;
    LARGE_INTEGER KernelTime;
    UNICODE_STRING ImageName;
    LONG BasePriority;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
    ULONG HandleCount;
    ULONG SessionId;
    ULONG_PTR PageDirectoryBase;
    SIZE_T VmCounters[11];
    SIZE_T PrivatePageCount;
    LARGE_INTEGER IoCounters[6];
} PROC_ENTRY;

typedef struct _THREAD_ENTRY {
    LARGE_INTEGER Reserved1[3];
    ULONG Reserved2;
    PVOID StartAddress;
    CLIENT_ID ClientId;
    LONG Priority;
    LONG BasePriority;
    ULONG ContextSwitches;
    ULONG ThreadState;
    ULONG WaitReason;
} THREAD_ENTRY;

/* SYSTEM_EXTENDED_THREAD_INFORMATION: the thread entry and seven pointer-sized fields. */
typedef struct _EXT_THREAD_ENTRY {
    THREAD_ENTRY Thread;
    PVOID StackBase, StackLimit, Win32StartAddress, TebBase;
    ULONG_PTR Reserved[3];
} EXT_THREAD_ENTRY;

#define SystemProcessInformationClass 5
#define SystemExtendedProcessInformationClass 57
#define SystemBasicInformationClass 0
#define SystemModuleInformationClass 11

/*
 * apitok.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; the Wild* exports pass bad pointers on purpose.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define TOK_TAG 'koTA'

/* Exported by ntoskrnl (mingw-w64's import library has them) but missing from its headers;
   prototypes from Microsoft Learn / the WDK's ntifs.h and ntddk.h. */
NTKERNELAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI ZwCreateJobObject(PHANDLE JobHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI ZwAssignProcessToJobObject(HANDLE JobHandle, HANDLE ProcessHandle);
NTSYSAPI NTSTATUS NTAPI ZwSetInformationJobObject(HANDLE JobHandle, ULONG JobObjectInformationClass, PVOID JobObjectInformation, ULONG JobObjectInformationLength);
NTSYSAPI NTSTATUS NTAPI ZwTerminateJobObject(HANDLE JobHandle, NTSTATUS ExitStatus);
NTSYSAPI NTSTATUS NTAPI ZwIsProcessInJob(HANDLE ProcessHandle, HANDLE JobHandle);
NTKERNELAPI NTSTATUS NTAPI PsSuspendProcess(PEPROCESS Process);
NTKERNELAPI NTSTATUS NTAPI PsResumeProcess(PEPROCESS Process);
NTKERNELAPI PVOID NTAPI PsGetProcessDebugPort(PEPROCESS Process);
NTKERNELAPI BOOLEAN NTAPI PsGetProcessExitProcessCalled(PEPROCESS Process);
NTKERNELAPI NTSTATUS NTAPI PsAcquireProcessExitSynchronization(PEPROCESS Process);
NTKERNELAPI VOID NTAPI PsReleaseProcessExitSynchronization(PEPROCESS Process);
NTKERNELAPI PVOID NTAPI PsGetProcessWin32Process(PEPROCESS Process);
NTKERNELAPI NTSTATUS NTAPI PsGetProcessExitStatus(PEPROCESS Process);
NTKERNELAPI BOOLEAN NTAPI KeIsAttachedProcess(VOID);
NTKERNELAPI PVOID NTAPI PsGetThreadTeb(PETHREAD Thread);
NTSYSAPI NTSTATUS NTAPI RtlFormatCurrentUserKeyPath(PUNICODE_STRING CurrentUserKeyPath);
NTKERNELAPI NTSTATUS NTAPI SeCreateAccessState(PACCESS_STATE AccessState, PVOID AuxData, ACCESS_MASK DesiredAccess, PGENERIC_MAPPING GenericMapping);
NTKERNELAPI VOID NTAPI SeDeleteAccessState(PACCESS_STATE AccessState);
NTKERNELAPI NTSTATUS NTAPI PsWrapApcWow64Thread(PVOID *ApcContext, PVOID *ApcRoutine);

/* SECURITY_USER_DATA (ntifs.h of the WDK; not in mingw-w64's) and GetSecurityUserInfo (ksecdd.sys). */
typedef struct _USER_DATA {
    UNICODE_STRING UserName;
    UNICODE_STRING LogonDomainName;
    UNICODE_STRING LogonServer;
    PSID pSid;
} USER_DATA;
NTSTATUS NTAPI GetSecurityUserInfo(PLUID LogonId, ULONG Flags, USER_DATA **UserInformation);

/* winnt.h values kernel headers lack. */
#define TOKEN_ELEVATION_TYPE_LIMITED 3
#define TOKEN_ELEVATION_TYPE_DEFAULT 1
#define GROUP_USE_FOR_DENY_ONLY 0x10
#define SE_GROUP_ENABLED 0x4
#define SE_GROUP_OWNER 0x8
#define SE_GROUP_INTEGRITY 0x20
#define PROCESS_QUERY_INFORMATION_ 0x0400
#define FILTER_DISABLE_MAX_PRIVILEGE 0x1
#define JOB_ALL_ACCESS 0x1F003F
#define JOB_LIMIT_KILL_ON_JOB_CLOSE 0x2000
#define JobExtendedLimitInformation 9
#define STATUS_PROCESS_IS_TERMINATING_ ((NTSTATUS)0xC000010AL)
#define STATUS_PROCESS_IN_JOB_ ((NTSTATUS)0x00000123L)
#define STATUS_PROCESS_NOT_IN_JOB_ ((NTSTATUS)0x00000124L)
#define STATUS_NOT_ALL_ASSIGNED_ ((NTSTATUS)0x00000106L)
#define STATUS_BAD_TOKEN_TYPE_ ((NTSTATUS)0xC00000A8L)
#define STATUS_NO_TOKEN_ ((NTSTATUS)0xC000007CL)
#define STATUS_INVALID_OWNER_ ((NTSTATUS)0xC000005AL)
/* ntifs.h (WDK 8 and later): the token pseudo-handles. */
#define NtCurrentProcessToken() ((HANDLE)(LONG_PTR)-4)

/* JOBOBJECT_BASIC_LIMIT_INFORMATION / JOBOBJECT_EXTENDED_LIMIT_INFORMATION (winnt.h). */
typedef struct _JOB_BASIC_LIMITS {
    LARGE_INTEGER PerProcessUserTimeLimit;
    LARGE_INTEGER PerJobUserTimeLimit;
    ULONG LimitFlags;
    SIZE_T MinimumWorkingSetSize;
    SIZE_T MaximumWorkingSetSize;
    ULONG ActiveProcessLimit;
    ULONG_PTR Affinity;
    ULONG PriorityClass;
    ULONG SchedulingClass;
} JOB_BASIC_LIMITS;
typedef struct _JOB_EXTENDED_LIMITS {
    JOB_BASIC_LIMITS BasicLimitInformation;
    ULONGLONG IoInfo[6];
    SIZE_T ProcessMemoryLimit;
    SIZE_T JobMemoryLimit;
    SIZE_T PeakProcessMemoryUsed;
    SIZE_T PeakJobMemoryUsed;
} JOB_EXTENDED_LIMITS;

/* The head of SYSTEM_PROCESS_INFORMATION (winternl.h): ImageName at 0x38, UniqueProcessId at 0x50 on x64. */
typedef struct _PROC_INFO {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    LARGE_INTEGER Reserved[6];
    UNICODE_STRING ImageName;
    LONG BasePriority;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
} PROC_INFO;

/* The PID of the first process named `name` in SystemProcessInformation, 0 when none. */
HANDLE FindProcess(PCWSTR name);
/* A kernel handle to process `pid` (ZwOpenProcess), NULL on failure. */
HANDLE OpenProcessHandle(HANDLE pid);
/* Whether a counted string equals a C string. */
BOOLEAN UsEquals(PCUNICODE_STRING s, PCWSTR text);
BOOLEAN UsStartsWith(PCUNICODE_STRING s, PCWSTR text);

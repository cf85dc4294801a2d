/*
 * The processes of a booted system, as drivers find and use them: SystemProcessInformation
 * (class 5) and SystemExtendedProcessInformation (57) by name, PsLookupProcessByProcessId,
 * the Ps* accessors, KeStackAttachProcess (PsGetCurrentProcess follows the attach),
 * ObOpenObjectByPointer + ZwQueryInformationProcess, ZwOpenProcess by client ID, and the
 * ActiveProcessLinks list drivers walk from PsInitialSystemProcess.
 * EPROCESS offsets (Windows 10 2004 x64, the build kmdll reports; public symbols):
 * UniqueProcessId 0x440, ActiveProcessLinks 0x448, ImageFileName 0x5A8.
 */
#include "qasystem.h"

#define EPROCESS_PID 0x440
#define EPROCESS_LINKS 0x448
#define EPROCESS_NAME 0x5a8
#ifndef PROCESS_QUERY_INFORMATION
#define PROCESS_QUERY_INFORMATION 0x0400 /* winnt.h */
#endif

/* SYSTEM_PROCESS_INFORMATION (x64), the fields used here. */
typedef struct _QS_PROCESS {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    UCHAR Reserved1[0x30];
    UNICODE_STRING ImageName;
    LONG BasePriority;
    ULONG Pad;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
    ULONG HandleCount;
    ULONG SessionId;
} QS_PROCESS;

NTKERNELAPI PCHAR NTAPI PsGetProcessImageFileName(PEPROCESS Process);
NTKERNELAPI HANDLE NTAPI PsGetProcessInheritedFromUniqueProcessId(PEPROCESS Process);
NTKERNELAPI ULONG NTAPI PsGetProcessSessionId(PEPROCESS Process);
NTKERNELAPI BOOLEAN NTAPI PsIsProtectedProcess(PEPROCESS Process);

static PVOID QueryProcesses(ULONG cls, ULONG *size)
{
    ULONG need = 0;
    PVOID buf;
    if (ZwQuerySystemInformation(cls, NULL, 0, &need) != STATUS_INFO_LENGTH_MISMATCH || need == 0) return NULL;
    buf = ExAllocatePoolWithTag(NonPagedPool, need, QS_TAG);
    if (buf && !NT_SUCCESS(ZwQuerySystemInformation(cls, buf, need, &need))) {
        ExFreePoolWithTag(buf, QS_TAG);
        return NULL;
    }
    *size = need;
    return buf;
}

/* PID of the first process named `name` (and its count), 0 when none. */
static HANDLE FindProcess(QS_PROCESS *p, PCWSTR name, ULONG *count, ULONG *total, ULONG *session)
{
    UNICODE_STRING want;
    HANDLE pid = 0;
    RtlInitUnicodeString(&want, name);
    *count = 0;
    *total = 0;
    for (;;) {
        (*total)++;
        if (p->ImageName.Buffer && RtlEqualUnicodeString(&p->ImageName, &want, TRUE)) {
            if (!pid) {
                pid = p->UniqueProcessId;
                *session = p->SessionId;
            }
            (*count)++;
        }
        if (!p->NextEntryOffset) break;
        p = (QS_PROCESS *)((PUCHAR)p + p->NextEntryOffset);
    }
    return pid;
}

int TestProcesses(void)
{
    int failures = 0;
    ULONG size = 0, count = 0, total = 0, session = 99, walked = 0, extTotal = 0;
    QS_PROCESS *list = (QS_PROCESS *)QueryProcesses(5, &size);
    QS_PROCESS *ext;
    HANDLE winlogon, lsass;
    PEPROCESS proc = NULL, system = PsInitialSystemProcess;
    KAPC_STATE apc;
    HANDLE h = NULL;
    PROCESS_BASIC_INFORMATION basic;
    UCHAR nameBuf[256];
    PUNICODE_STRING imageName = (PUNICODE_STRING)nameBuf;
    CLIENT_ID cid;
    OBJECT_ATTRIBUTES oa;
    PLIST_ENTRY head, e;
    ULONG len = 0;

    CHECK(list != NULL);
    if (!list) return failures;
    CHECK(list->UniqueProcessId == (HANDLE)4 && list->ImageName.Length == 0);
    winlogon = FindProcess(list, L"winlogon.exe", &count, &total, &session);
    CHECK(winlogon != 0 && count == 1 && session == 1);
    FindProcess(list, L"csrss.exe", &count, &total, &session);
    CHECK(count == 2 && session == 0);
    lsass = FindProcess(list, L"LSASS.EXE", &count, &total, &session);
    CHECK(lsass != 0 && count == 1);
    CHECK(FindProcess(list, L"nosuch.exe", &count, &total, &session) == 0);

    /* The extended form lists the same processes. */
    ext = (QS_PROCESS *)QueryProcesses(57, &size);
    CHECK(ext != NULL);
    if (ext) {
        CHECK(FindProcess(ext, L"winlogon.exe", &count, &extTotal, &session) == winlogon && extTotal == total);
        ExFreePoolWithTag(ext, QS_TAG);
    }

    /* Look it up and use it. */
    CHECK(PsLookupProcessByProcessId(winlogon, &proc) == STATUS_SUCCESS && proc != NULL);
    if (proc) {
        CHECK(strcmp(PsGetProcessImageFileName(proc), "winlogon.exe") == 0);
        CHECK(PsGetProcessId(proc) == winlogon);
        CHECK(PsGetProcessSessionId(proc) == 1);
        CHECK(PsGetProcessInheritedFromUniqueProcessId(proc) != 0);
        CHECK(!PsIsProtectedProcess(proc));
        CHECK(*(HANDLE *)((PUCHAR)proc + EPROCESS_PID) == winlogon);
        KeStackAttachProcess((PKPROCESS)proc, &apc);
        CHECK(PsGetCurrentProcess() == proc && IoGetCurrentProcess() == proc);
        KeUnstackDetachProcess(&apc);
        CHECK(PsGetCurrentProcess() == system);
        CHECK(ObOpenObjectByPointer(proc, OBJ_KERNEL_HANDLE, NULL, PROCESS_QUERY_INFORMATION, *PsProcessType, KernelMode, &h) == STATUS_SUCCESS);
        if (h) {
            CHECK(ZwQueryInformationProcess(h, ProcessBasicInformation, &basic, sizeof(basic), &len) == STATUS_SUCCESS);
            CHECK(basic.UniqueProcessId == (ULONG_PTR)winlogon);
            CHECK(ZwQueryInformationProcess(h, 27 /* ProcessImageFileName */, nameBuf, sizeof(nameBuf), &len) == STATUS_SUCCESS);
            CHECK(imageName->Length > 26 && RtlCompareMemory((PUCHAR)imageName->Buffer + imageName->Length - 26, L"\\winlogon.exe", 26) == 26);
            ZwClose(h);
        }
        ObDereferenceObject(proc);
    }
    CHECK(!PsIsProtectedProcess(system));
    CHECK(PsLookupProcessByProcessId((HANDLE)0x7ffc, &proc) == STATUS_INVALID_PARAMETER);

    /* ZwOpenProcess by client ID. */
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    cid.UniqueProcess = lsass;
    cid.UniqueThread = NULL;
    h = NULL;
    CHECK(ZwOpenProcess(&h, PROCESS_QUERY_INFORMATION, &oa, &cid) == STATUS_SUCCESS && h != NULL);
    if (h) ZwClose(h);
    cid.UniqueProcess = (HANDLE)0x7ffc;
    CHECK(ZwOpenProcess(&h, PROCESS_QUERY_INFORMATION, &oa, &cid) == STATUS_INVALID_CID);

    /* ActiveProcessLinks from the System process: every listed process, System first. */
    head = (PLIST_ENTRY)((PUCHAR)system + EPROCESS_LINKS);
    CHECK(strcmp((PCHAR)system + EPROCESS_NAME, "System") == 0);
    for (e = head->Flink; e != head && walked < 1000; e = e->Flink) walked++;
    /* The walk passes the list head (PsActiveProcessHead) once: the processes other than System, plus one. */
    CHECK(walked == total);
    CHECK(head->Blink->Flink == head);
    ExFreePoolWithTag(list, QS_TAG);
    return failures;
}

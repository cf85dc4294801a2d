/*
 * Processes and objects: the System process by ID, attaching to it, the current-process and
 * current-thread pseudo-handles, object handles by pointer, and the loaded module list.
 */
#include "apisys.h"

int TestProcesses(void)
{
    int failures = 0;
    PEPROCESS process = NULL;
    PETHREAD thread = NULL;
    KAPC_STATE apc;
    PVOID object = NULL;
    HANDLE h = NULL;
    CLIENT_ID cid;
    OBJECT_ATTRIBUTES oa;
    PROCESS_BASIC_INFORMATION basic;
    ULONG len = 0;

    CHECK(PsLookupProcessByProcessId((HANDLE)4, &process) == STATUS_SUCCESS);
    CHECK(process == PsGetCurrentProcess());
    CHECK(PsLookupProcessByProcessId((HANDLE)1234, &process) == STATUS_INVALID_PARAMETER);
    CHECK(strcmp(PsGetProcessImageFileName(PsGetCurrentProcess()), "System") == 0);
    CHECK(PsGetProcessSectionBaseAddress(PsGetCurrentProcess()) == NULL);
    KeStackAttachProcess((PKPROCESS)PsGetCurrentProcess(), &apc);
    KeUnstackDetachProcess(&apc);
    ObDereferenceObject(PsGetCurrentProcess());

    CHECK(PsLookupThreadByThreadId(PsGetCurrentThreadId(), &thread) == STATUS_SUCCESS);
    CHECK(thread == PsGetCurrentThread());
    if (thread) ObDereferenceObject(thread);

    /* NtCurrentProcess()/NtCurrentThread() pseudo-handles, with object type checks. */
    CHECK(ObReferenceObjectByHandle(NtCurrentProcess(), 0, *PsProcessType, KernelMode, &object, NULL) == STATUS_SUCCESS);
    CHECK(object == PsGetCurrentProcess());
    if (object) ObDereferenceObject(object);
    CHECK(ObReferenceObjectByHandle(NtCurrentThread(), 0, *PsThreadType, KernelMode, &object, NULL) == STATUS_SUCCESS);
    CHECK(object == PsGetCurrentThread());
    if (object) ObDereferenceObject(object);
    CHECK(ObReferenceObjectByHandle(NtCurrentProcess(), 0, *PsThreadType, KernelMode, &object, NULL) == STATUS_OBJECT_TYPE_MISMATCH);

    /* A handle to a process object by pointer, and by client ID. */
    CHECK(ObOpenObjectByPointer(PsGetCurrentProcess(), OBJ_KERNEL_HANDLE, NULL, 0, *PsProcessType, KernelMode, &h) == STATUS_SUCCESS);
    CHECK(ZwQueryInformationProcess(h, ProcessBasicInformation, &basic, sizeof(basic), &len) == STATUS_SUCCESS);
    CHECK(len == sizeof(basic) && basic.UniqueProcessId == 4);
    CHECK(ZwQueryInformationProcess(h, ProcessBasicInformation, &basic, 8, &len) == STATUS_INFO_LENGTH_MISMATCH);
    ZwClose(h);
    CHECK(ObOpenObjectByPointer(PsGetCurrentProcess(), OBJ_KERNEL_HANDLE, NULL, 0, *PsThreadType, KernelMode, &h) == STATUS_OBJECT_TYPE_MISMATCH);
    cid.UniqueProcess = (HANDLE)4;
    cid.UniqueThread = NULL;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwOpenProcess(&h, PROCESS_ALL_ACCESS, &oa, &cid) == STATUS_SUCCESS);
    if (h) ZwClose(h);
    cid.UniqueProcess = (HANDLE)999;
    CHECK(ZwOpenProcess(&h, PROCESS_ALL_ACCESS, &oa, &cid) == STATUS_INVALID_CID);
    CHECK(IoThreadToProcess(PsGetCurrentThread()) == PsGetCurrentProcess());
    CHECK(PsGetThreadProcess(PsGetCurrentThread()) == PsGetCurrentProcess());
    CHECK(PsIsThreadTerminating(PsGetCurrentThread()) == FALSE);
    CHECK(PsGetThreadSessionId(PsGetCurrentThread()) == 0);
    CHECK(PsGetThreadWin32Thread(PsGetCurrentThread()) == NULL && PsGetCurrentThreadWin32Thread() == NULL);
    /* The System process: no user-mode image, no PEB, not WOW64, still running, session 0. */
    CHECK(PsGetProcessPeb(PsGetCurrentProcess()) == NULL);
    CHECK(PsGetProcessWow64Process(PsGetCurrentProcess()) == NULL);
    CHECK(PsGetProcessInheritedFromUniqueProcessId(PsGetCurrentProcess()) == NULL);
    CHECK(PsGetProcessExitStatus(PsGetCurrentProcess()) == STATUS_PENDING);
    CHECK(PsGetProcessCreateTimeQuadPart(PsGetCurrentProcess()) > 0);
    CHECK(PsGetProcessSessionId(PsGetCurrentProcess()) == 0);
    CHECK(PsIsProtectedProcess(PsGetCurrentProcess()) == FALSE);
    CHECK(ObGetObjectType(PsGetCurrentProcess()) == *PsProcessType);
    CHECK(ObGetObjectType(PsGetCurrentThread()) == *PsThreadType);
    KeAttachProcess((PKPROCESS)PsGetCurrentProcess());
    KeDetachProcess();
    {
        UCHAR info[64];
        ULONG need = 0;
        POBJECT_NAME_INFORMATION oni = (POBJECT_NAME_INFORMATION)info;
        /* Processes have no name in the object namespace: an empty string. */
        CHECK(ObQueryNameString(PsGetCurrentProcess(), oni, 4, &need) == STATUS_INFO_LENGTH_MISMATCH && need == sizeof(UNICODE_STRING));
        CHECK(ObQueryNameString(PsGetCurrentProcess(), oni, sizeof(info), &need) == STATUS_SUCCESS && oni->Name.Length == 0);
    }
    CHECK(PsGetThreadProcessId(PsGetCurrentThread()) == (HANDLE)4);
    return failures;
}

_Static_assert(sizeof(PROC_ENTRY) == (sizeof(void *) == 8 ? 0x100 : 0xB8), "SYSTEM_PROCESS_INFORMATION size (winternl.h)");
_Static_assert(sizeof(THREAD_ENTRY) == (sizeof(void *) == 8 ? 0x50 : 0x40), "SYSTEM_THREAD_INFORMATION size (winternl.h)");

/* Walk SystemProcessInformation (or the extended class): the booted system's processes on either
 * arch, System first with the current thread (TID 8), explorer.exe (PID 3120, parent 3088,
 * session 1) with one waiting thread, names inside the caller's buffer. */
static int CheckProcessList(ULONG cls, ULONG threadSize)
{
    int failures = 0;
    ULONG need = 0, count = 0;
    PUCHAR buf;
    PROC_ENTRY *p;
    BOOLEAN system = FALSE, explorer = FALSE;
    CHECK(ZwQuerySystemInformation(cls, NULL, 0, &need) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(need >= 13 * (sizeof(PROC_ENTRY) + threadSize));
    buf = (PUCHAR)ExAllocatePoolWithTag(PagedPool, need, SYS_TAG);
    if (!buf) return failures + 1;
    CHECK(ZwQuerySystemInformation(cls, buf, need, &need) == STATUS_SUCCESS);
    for (p = (PROC_ENTRY *)buf;; p = (PROC_ENTRY *)((PUCHAR)p + p->NextEntryOffset)) {
        THREAD_ENTRY *t = (THREAD_ENTRY *)(p + 1);
        count++;
        CHECK(p->NextEntryOffset == 0 || p->NextEntryOffset == sizeof(PROC_ENTRY) + p->NumberOfThreads * threadSize);
        CHECK(p->NumberOfThreads >= 1 && t->ClientId.UniqueProcess == p->UniqueProcessId && t->ThreadState == 5);
        if (p->UniqueProcessId == (HANDLE)4) {
            system = count == 1 && p->ImageName.Buffer == NULL && t->ClientId.UniqueThread == (HANDLE)8 && t->WaitReason == 0;
        } else {
            CHECK((PUCHAR)p->ImageName.Buffer >= buf && (PUCHAR)p->ImageName.Buffer + p->ImageName.MaximumLength <= buf + need);
        }
        if (p->ImageName.Length == 24 && RtlCompareMemory(p->ImageName.Buffer, L"explorer.exe", 24) == 24) {
            explorer = p->UniqueProcessId == (HANDLE)3120 && p->InheritedFromUniqueProcessId == (HANDLE)3088 && p->SessionId == 1
                && p->BasePriority == 8 && p->NumberOfThreads == 1 && t->WaitReason == 6 && t->Priority == 8;
        }
        if (p->NextEntryOffset == 0) break;
    }
    CHECK(system && explorer && count == 13);
    ExFreePoolWithTag(buf, SYS_TAG);
    return failures;
}

int TestSystemInformation(void)
{
    int failures = 0;
    ULONG need = 0, i;
    MODULE_LIST *list;
    BOOLEAN self = FALSE, kernel = FALSE;
    BASIC_INFO basic;

    /* Probe for the size, then query: the list holds ntoskrnl.exe first and this driver. */
    CHECK(ZwQuerySystemInformation(SystemModuleInformationClass, NULL, 0, &need) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(need >= sizeof(ULONG) + 2 * sizeof(MODULE_ENTRY));
    list = (MODULE_LIST *)ExAllocatePoolWithTag(PagedPool, need, SYS_TAG);
    if (!list) return failures + 1;
    CHECK(ZwQuerySystemInformation(SystemModuleInformationClass, list, need, &need) == STATUS_SUCCESS);
    for (i = 0; i < list->NumberOfModules; i++) {
        const char *file = (const char *)list->Modules[i].FullPathName + list->Modules[i].OffsetToFileName;
        if (_stricmp(file, "ntoskrnl.exe") == 0 && i == 0) kernel = TRUE;
        if (_stricmp(file, "apisys.sys") == 0) {
            self = TRUE;
            CHECK((ULONG_PTR)TestSystemInformation - (ULONG_PTR)list->Modules[i].ImageBase < list->Modules[i].ImageSize);
        }
    }
    CHECK(kernel && self);
    ExFreePoolWithTag(list, SYS_TAG);
    CHECK(ZwQuerySystemInformation(SystemBasicInformationClass, &basic, sizeof(basic), &need) == STATUS_SUCCESS);
    CHECK(basic.PageSize == PAGE_SIZE && basic.NumberOfProcessors == 1);
    CHECK(basic.MinimumUserModeAddress == 0x10000 && basic.MaximumUserModeAddress > basic.MinimumUserModeAddress);
    CHECK(ZwQuerySystemInformation(12345, &basic, sizeof(basic), &need) == STATUS_INVALID_INFO_CLASS);
    CHECK(NtQuerySystemInformation(SystemBasicInformationClass, &basic, 8, &need) == STATUS_INFO_LENGTH_MISMATCH && need == sizeof(basic));
    failures += CheckProcessList(SystemProcessInformationClass, sizeof(THREAD_ENTRY));
    failures += CheckProcessList(SystemExtendedProcessInformationClass, sizeof(EXT_THREAD_ENTRY));
    return failures;
}

/* Detaching with an APC state that was never used to attach: bug check INVALID_PROCESS_DETACH_ATTEMPT. */
int WildAttach(void)
{
    KAPC_STATE apc;
    RtlZeroMemory(&apc, sizeof(apc));
    KeUnstackDetachProcess(&apc);
    return 0;
}

/*
 * Process control: terminating processes (refusals, exit synchronization, notify routines with
 * Create FALSE, gone from every lookup), ZwDuplicateObject between process handle tables, job
 * objects, threads by client ID, Set*Information and small process accessors.
 */
#include "apitok.h"

static struct {
    int calls;
    HANDLE parent, pid;
    BOOLEAN create;
    int exCalls;
    PEPROCESS exProcess;
    HANDLE exPid;
    PPS_CREATE_NOTIFY_INFO exInfo;
} g;

static VOID NTAPI OnProcess(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    g.calls++;
    g.parent = parent;
    g.pid = pid;
    g.create = create;
}

static VOID NTAPI OnProcessEx(PEPROCESS process, HANDLE pid, PPS_CREATE_NOTIFY_INFO info)
{
    g.exCalls++;
    g.exProcess = process;
    g.exPid = pid;
    g.exInfo = info;
}

static BOOLEAN Listed(HANDLE pid)
{
    ULONG len = 0;
    BOOLEAN found = FALSE;
    PUCHAR buf;
    ZwQuerySystemInformation(5, NULL, 0, &len);
    buf = len ? (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, len, TOK_TAG) : NULL;
    if (!buf) return TRUE;
    if (NT_SUCCESS(ZwQuerySystemInformation(5, buf, len, &len))) {
        PROC_INFO *p = (PROC_INFO *)buf;
        for (;;) {
            if (p->UniqueProcessId == pid) found = TRUE;
            if (p->NextEntryOffset == 0) break;
            p = (PROC_INFO *)((PUCHAR)p + p->NextEntryOffset);
        }
    }
    ExFreePoolWithTag(buf, TOK_TAG);
    return found;
}

int TestTerminate(void)
{
    int failures = 0;
    HANDLE pid = FindProcess(L"svchost.exe"), h, th = NULL;
    PEPROCESS process = NULL, again = NULL;
    PROCESS_BASIC_INFORMATION basic;
    ULONG len = 0, critical = 1;
    OBJECT_ATTRIBUTES oa;
    CLIENT_ID cid;

    RtlZeroMemory(&g, sizeof(g));
    CHECK(PsSetCreateProcessNotifyRoutine(OnProcess, FALSE) == STATUS_SUCCESS);
    CHECK(PsSetCreateProcessNotifyRoutineEx(OnProcessEx, FALSE) == STATUS_SUCCESS);
    CHECK(pid != NULL);
    h = OpenProcessHandle(pid);
    CHECK(h != NULL);
    CHECK(PsLookupProcessByProcessId(pid, &process) == STATUS_SUCCESS);

    /* Refused: the System process (also as NtCurrentProcess() and NULL), bad handles, a thread handle. */
    CHECK(ZwTerminateProcess(NtCurrentProcess(), STATUS_SUCCESS) == STATUS_ACCESS_DENIED);
    CHECK(ZwTerminateProcess(NULL, STATUS_SUCCESS) == STATUS_ACCESS_DENIED);
    CHECK(ZwTerminateProcess((HANDLE)(ULONG_PTR)0x7770, STATUS_SUCCESS) == STATUS_INVALID_HANDLE);
    cid.UniqueProcess = (HANDLE)4;
    cid.UniqueThread = PsGetCurrentThreadId();
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwOpenThread(&th, THREAD_ALL_ACCESS, &oa, &cid) == STATUS_SUCCESS);
    CHECK(ZwTerminateProcess(th, STATUS_SUCCESS) == STATUS_OBJECT_TYPE_MISMATCH);
    if (th) ZwClose(th);
    CHECK(g.calls == 0 && g.exCalls == 0);

    /* ProcessBreakOnTermination reads back what was set. */
    CHECK(ZwSetInformationProcess(h, ProcessBreakOnTermination, &critical, sizeof(critical)) == STATUS_SUCCESS);
    critical = 7;
    CHECK(ZwQueryInformationProcess(h, ProcessBreakOnTermination, &critical, sizeof(critical), &len) == STATUS_SUCCESS && critical == 1);
    critical = 0;
    CHECK(ZwSetInformationProcess(h, ProcessBreakOnTermination, &critical, sizeof(critical)) == STATUS_SUCCESS);
    CHECK(ZwSetInformationProcess(h, ProcessBreakOnTermination, &critical, 2) == STATUS_INFO_LENGTH_MISMATCH);

    /* Exit synchronization holds the exit back until released. */
    CHECK(process && PsAcquireProcessExitSynchronization(process) == STATUS_SUCCESS);
    CHECK(process && PsGetProcessExitProcessCalled(process) == FALSE);
    CHECK(ZwTerminateProcess(h, 0x1234) == STATUS_SUCCESS);
    CHECK(process && PsGetProcessExitProcessCalled(process) == TRUE);
    CHECK(ZwTerminateProcess(h, 0x5678) == STATUS_PROCESS_IS_TERMINATING_);
    CHECK(process && PsAcquireProcessExitSynchronization(process) == STATUS_PROCESS_IS_TERMINATING_);
    CHECK(g.calls == 0 && g.exCalls == 0);
    if (process) PsReleaseProcessExitSynchronization(process);

    /* Gone: notify routines called once with Create FALSE / CreateInfo NULL, no lookup finds it. */
    CHECK(g.calls == 1 && g.pid == pid && g.create == FALSE && g.parent != NULL);
    CHECK(g.exCalls == 1 && g.exProcess == process && g.exPid == pid && g.exInfo == NULL);
    CHECK(PsLookupProcessByProcessId(pid, &again) == STATUS_INVALID_PARAMETER);
    CHECK(OpenProcessHandle(pid) == NULL);
    CHECK(!Listed(pid) && Listed((HANDLE)4));
    CHECK(FindProcess(L"svchost.exe") != pid);
    /* The object lives while referenced, with its exit status. */
    CHECK(process && PsGetProcessExitStatus(process) == 0x1234 && PsGetProcessId(process) == pid);
    CHECK(ZwQueryInformationProcess(h, ProcessBasicInformation, &basic, sizeof(basic), &len) == STATUS_SUCCESS && basic.ExitStatus == 0x1234);
    CHECK(ZwSetInformationProcess(h, ProcessBreakOnTermination, &critical, sizeof(critical)) == STATUS_PROCESS_IS_TERMINATING_);
    /* Its primary token goes with the object, not at exit. */
    if (process) {
        PACCESS_TOKEN token = PsReferencePrimaryToken(process);
        CHECK(token && SeTokenIsAdmin(token) && SeTokenType(token) == TokenPrimary);
        if (token) PsDereferencePrimaryToken(token);
    }
    if (h) ZwClose(h);
    if (process) ObDereferenceObject(process);
    CHECK(PsSetCreateProcessNotifyRoutine(OnProcess, TRUE) == STATUS_SUCCESS);
    CHECK(PsSetCreateProcessNotifyRoutineEx(OnProcessEx, TRUE) == STATUS_SUCCESS);
    return failures;
}

int TerminateCritical(void)
{
    HANDLE h = OpenProcessHandle(FindProcess(L"csrss.exe"));
    return ZwTerminateProcess(h, 0);
}

int TestDuplicate(void)
{
    int failures = 0;
    HANDLE e = NULL, d = NULL, d2 = NULL, ph = NULL, remote = NULL, back = NULL, xh;
    PVOID a = NULL, b = NULL;
    OBJECT_ATTRIBUTES oa;
    PROCESS_BASIC_INFORMATION basic;
    ULONG len = 0;

    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwCreateEvent(&e, EVENT_ALL_ACCESS, &oa, NotificationEvent, FALSE) == STATUS_SUCCESS);
    CHECK(ZwDuplicateObject(NtCurrentProcess(), e, NtCurrentProcess(), &d, 0, OBJ_KERNEL_HANDLE, DUPLICATE_SAME_ACCESS) == STATUS_SUCCESS && d && d != e);
    CHECK(ObReferenceObjectByHandle(e, 0, *ExEventObjectType, KernelMode, &a, NULL) == STATUS_SUCCESS);
    CHECK(ObReferenceObjectByHandle(d, 0, *ExEventObjectType, KernelMode, &b, NULL) == STATUS_SUCCESS && a == b);
    if (b) ObDereferenceObject(b);
    /* One object: signalled through the copy, seen through the original. */
    CHECK(ZwSetEvent(d, NULL) == STATUS_SUCCESS);
    CHECK(a && KeReadStateEvent((PRKEVENT)a) == 1);
    /* DUPLICATE_CLOSE_SOURCE: the source handle is gone. */
    CHECK(ZwDuplicateObject(NtCurrentProcess(), d, NtCurrentProcess(), &d2, 0, OBJ_KERNEL_HANDLE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) == STATUS_SUCCESS);
    CHECK(ObReferenceObjectByHandle(d, 0, NULL, KernelMode, &b, NULL) == STATUS_INVALID_HANDLE);
    CHECK(ObReferenceObjectByHandle(d2, 0, NULL, KernelMode, &b, NULL) == STATUS_SUCCESS && b == a);
    if (b) ObDereferenceObject(b);
    CHECK(ZwDuplicateObject(NtCurrentProcess(), (HANDLE)(ULONG_PTR)0x7770, NtCurrentProcess(), &d, 0, 0, DUPLICATE_SAME_ACCESS) == STATUS_INVALID_HANDLE);
    CHECK(ZwDuplicateObject((HANDLE)(ULONG_PTR)0x7770, e, NtCurrentProcess(), &d, 0, 0, DUPLICATE_SAME_ACCESS) == STATUS_INVALID_HANDLE);
    CHECK(ZwDuplicateObject(e, e, NtCurrentProcess(), &d, 0, 0, DUPLICATE_SAME_ACCESS) == STATUS_OBJECT_TYPE_MISMATCH);
    /* The current-process pseudo-handle becomes a real process handle. */
    CHECK(ZwDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(), &ph, PROCESS_QUERY_INFORMATION_, OBJ_KERNEL_HANDLE, 0) == STATUS_SUCCESS);
    CHECK(ph && ph != NtCurrentProcess() && ZwQueryInformationProcess(ph, ProcessBasicInformation, &basic, sizeof(basic), &len) == STATUS_SUCCESS && basic.UniqueProcessId == 4);
    /* Into explorer.exe's handle table and back out of it. */
    xh = OpenProcessHandle(FindProcess(L"explorer.exe"));
    CHECK(xh != NULL);
    CHECK(ZwDuplicateObject(NtCurrentProcess(), e, xh, &remote, 0, 0, DUPLICATE_SAME_ACCESS) == STATUS_SUCCESS && remote != NULL);
    CHECK(ZwDuplicateObject(xh, remote, NtCurrentProcess(), &back, 0, OBJ_KERNEL_HANDLE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) == STATUS_SUCCESS);
    CHECK(ObReferenceObjectByHandle(back, 0, *ExEventObjectType, KernelMode, &b, NULL) == STATUS_SUCCESS && b == a);
    if (b) ObDereferenceObject(b);
    CHECK(ZwDuplicateObject(xh, remote, NtCurrentProcess(), &d, 0, OBJ_KERNEL_HANDLE, DUPLICATE_SAME_ACCESS) == STATUS_INVALID_HANDLE);
    /* A handle left in a process's table is closed when the process ends. */
    CHECK(ZwDuplicateObject(NtCurrentProcess(), e, xh, &remote, 0, 0, DUPLICATE_SAME_ACCESS) == STATUS_SUCCESS);
    CHECK(ZwTerminateProcess(xh, 1) == STATUS_SUCCESS);
    CHECK(ZwDuplicateObject(xh, remote, NtCurrentProcess(), &d, 0, OBJ_KERNEL_HANDLE, DUPLICATE_SAME_ACCESS) == STATUS_PROCESS_IS_TERMINATING_);
    CHECK(ZwDuplicateObject(NtCurrentProcess(), e, xh, &d, 0, 0, DUPLICATE_SAME_ACCESS) == STATUS_PROCESS_IS_TERMINATING_);
    if (a) ObDereferenceObject(a);
    if (xh) ZwClose(xh);
    if (back) ZwClose(back);
    if (ph) ZwClose(ph);
    if (d2) ZwClose(d2);
    if (e) ZwClose(e);
    return failures;
}

int TestJobs(void)
{
    int failures = 0;
    HANDLE job = NULL, job2 = NULL, xpid = FindProcess(L"explorer.exe"), dpid = FindProcess(L"dwm.exe"), xh, dh;
    PEPROCESS x = NULL, dw = NULL;
    JOB_EXTENDED_LIMITS limits;
    OBJECT_ATTRIBUTES oa;

    xh = OpenProcessHandle(xpid);
    dh = OpenProcessHandle(dpid);
    CHECK(xh && dh);
    CHECK(PsLookupProcessByProcessId(xpid, &x) == STATUS_SUCCESS && PsLookupProcessByProcessId(dpid, &dw) == STATUS_SUCCESS);
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwCreateJobObject(&job, JOB_ALL_ACCESS, &oa) == STATUS_SUCCESS);
    CHECK(ZwIsProcessInJob(xh, job) == STATUS_PROCESS_NOT_IN_JOB_);
    CHECK(ZwIsProcessInJob(xh, NULL) == STATUS_PROCESS_NOT_IN_JOB_);
    CHECK(ZwAssignProcessToJobObject(job, xh) == STATUS_SUCCESS);
    CHECK(ZwIsProcessInJob(xh, job) == STATUS_PROCESS_IN_JOB_ && ZwIsProcessInJob(xh, NULL) == STATUS_PROCESS_IN_JOB_);
    CHECK(ZwIsProcessInJob(dh, job) == STATUS_PROCESS_NOT_IN_JOB_);
    CHECK(ZwAssignProcessToJobObject(job, NtCurrentProcess()) == STATUS_ACCESS_DENIED);
    CHECK(ZwAssignProcessToJobObject(xh, xh) == STATUS_OBJECT_TYPE_MISMATCH);
    CHECK(ZwAssignProcessToJobObject((HANDLE)(ULONG_PTR)0x7770, xh) == STATUS_INVALID_HANDLE);
    RtlZeroMemory(&limits, sizeof(limits));
    limits.BasicLimitInformation.LimitFlags = JOB_LIMIT_KILL_ON_JOB_CLOSE;
    CHECK(ZwSetInformationJobObject(job, JobExtendedLimitInformation, &limits, sizeof(limits) - 8) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ZwSetInformationJobObject(job, JobExtendedLimitInformation, &limits, sizeof(limits)) == STATUS_SUCCESS);
    /* Kill on job close: closing the last handle ends explorer.exe. */
    CHECK(ZwClose(job) == STATUS_SUCCESS);
    CHECK(x && PsGetProcessExitProcessCalled(x) == TRUE && PsGetProcessExitStatus(x) == 0);
    CHECK(FindProcess(L"explorer.exe") == NULL);
    /* ZwTerminateJobObject ends every process in the job with its status. */
    CHECK(ZwCreateJobObject(&job2, JOB_ALL_ACCESS, &oa) == STATUS_SUCCESS);
    CHECK(ZwAssignProcessToJobObject(job2, dh) == STATUS_SUCCESS);
    CHECK(ZwAssignProcessToJobObject(job2, xh) == STATUS_PROCESS_IS_TERMINATING_);
    CHECK(ZwTerminateJobObject(job2, 0x77) == STATUS_SUCCESS);
    CHECK(dw && PsGetProcessExitStatus(dw) == 0x77 && FindProcess(L"dwm.exe") == NULL);
    CHECK(ZwIsProcessInJob(dh, job2) == STATUS_PROCESS_NOT_IN_JOB_);
    if (job2) ZwClose(job2);
    if (x) ObDereferenceObject(x);
    if (dw) ObDereferenceObject(dw);
    if (xh) ZwClose(xh);
    if (dh) ZwClose(dh);
    return failures;
}

int TestThreads(void)
{
    int failures = 0;
    HANDLE th = NULL, xpid = FindProcess(L"explorer.exe");
    OBJECT_ATTRIBUTES oa;
    CLIENT_ID cid;
    PEPROCESS p = NULL, x = NULL;
    PETHREAD t = NULL;
    LONG prio = 10;
    PUNICODE_STRING name = NULL;

    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    cid.UniqueProcess = (HANDLE)4;
    cid.UniqueThread = PsGetCurrentThreadId();
    CHECK(ZwOpenThread(&th, THREAD_ALL_ACCESS, &oa, &cid) == STATUS_SUCCESS);
    CHECK(PsLookupProcessThreadByCid(&cid, &p, &t) == STATUS_SUCCESS && p == PsGetCurrentProcess() && t == PsGetCurrentThread());
    if (p) ObDereferenceObject(p);
    if (t) ObDereferenceObject(t);
    cid.UniqueProcess = xpid;
    CHECK(PsLookupProcessThreadByCid(&cid, NULL, &t) == STATUS_INVALID_CID);
    CHECK(ZwOpenThread(&th, THREAD_ALL_ACCESS, &oa, &cid) == STATUS_INVALID_CID);
    cid.UniqueProcess = NULL;
    cid.UniqueThread = (HANDLE)(ULONG_PTR)0x9990;
    CHECK(ZwOpenThread(&th, THREAD_ALL_ACCESS, &oa, &cid) == STATUS_INVALID_CID);
    CHECK(ZwOpenThread(&th, THREAD_ALL_ACCESS, &oa, NULL) == STATUS_INVALID_PARAMETER);

    CHECK(ZwSetInformationThread(th, ThreadPriority, &prio, sizeof(prio)) == STATUS_SUCCESS);
    CHECK(KeQueryPriorityThread(PsGetCurrentThread()) == 10);
    KeSetPriorityThread(PsGetCurrentThread(), 8);
    CHECK(KeQueryPriorityThread(PsGetCurrentThread()) == 8);
    prio = 0;
    CHECK(ZwSetInformationThread(th, ThreadPriority, &prio, sizeof(prio)) == STATUS_INVALID_PARAMETER);
    CHECK(ZwSetInformationThread(th, ThreadPriority, &prio, 2) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ZwSetInformationThread(NtCurrentThread(), ThreadHideFromDebugger, NULL, 0) == STATUS_SUCCESS);
    CHECK(ZwSetInformationThread((HANDLE)(ULONG_PTR)0x7770, ThreadPriority, &prio, sizeof(prio)) == STATUS_INVALID_HANDLE);
    CHECK(ZwSetInformationThread(NtCurrentProcess(), ThreadPriority, &prio, sizeof(prio)) == STATUS_OBJECT_TYPE_MISMATCH);
    if (th) ZwClose(th);

    CHECK(PsGetThreadTeb(PsGetCurrentThread()) == NULL);
    CHECK(PsGetProcessWin32Process(PsGetCurrentProcess()) == NULL);
    CHECK(PsGetProcessDebugPort(PsGetCurrentProcess()) == NULL);
    CHECK(PsLookupProcessByProcessId(xpid, &x) == STATUS_SUCCESS);
    if (x) {
        CHECK(PsSuspendProcess(x) == STATUS_SUCCESS && PsSuspendProcess(x) == STATUS_SUCCESS);
        CHECK(PsResumeProcess(x) == STATUS_SUCCESS && PsResumeProcess(x) == STATUS_SUCCESS);
        CHECK(SeLocateProcessImageName(x, &name) == STATUS_SUCCESS && name);
        if (name) {
            UNICODE_STRING tail;
            tail.Buffer = name->Buffer + name->Length / sizeof(WCHAR) - 12;
            tail.Length = tail.MaximumLength = 12 * sizeof(WCHAR);
            CHECK(name->Length > 12 * sizeof(WCHAR) && UsEquals(&tail, L"explorer.exe") && name->Buffer[0] == L'\\');
            ExFreePool(name);
        }
        ObDereferenceObject(x);
    }
    name = NULL;
    CHECK(SeLocateProcessImageName(PsGetCurrentProcess(), &name) == STATUS_SUCCESS && name && name->Length == 0);
    if (name) ExFreePool(name);
    {
        ULONG bad = 1;
        CHECK(ZwSetInformationProcess(NtCurrentProcess(), 0x7f, &bad, sizeof(bad)) == STATUS_INVALID_INFO_CLASS);
    }
    return failures;
}

int WildDuplicate(void)
{
    HANDLE e = NULL;
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    ZwCreateEvent(&e, EVENT_ALL_ACCESS, &oa, NotificationEvent, FALSE);
    return ZwDuplicateObject(NtCurrentProcess(), e, NtCurrentProcess(), (PHANDLE)(ULONG_PTR)0x30, 0, 0, DUPLICATE_SAME_ACCESS);
}

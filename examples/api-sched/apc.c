/*
 * Kernel APCs to system threads, as a per-thread CPU sampler in a shipped minifilter uses them:
 * an APC queued to a worker parked in a non-alertable wait runs in that thread (kernel routine,
 * then normal routine) and the wait goes on; one queued to the current thread runs before
 * KeInsertQueueApc returns; an APC already queued, or queued to a thread that has ended, is
 * refused. The normal routine reads the thread's times with ZwQueryInformationThread.
 */
#include "apisched.h"

/* Exported by ntoskrnl but not in the WDK headers; prototypes as ReactOS and the WRK declare them. */
typedef enum _KAPC_ENVIRONMENT { OriginalApcEnvironment, AttachedApcEnvironment, CurrentApcEnvironment, InsertApcEnvironment } KAPC_ENVIRONMENT;
typedef VOID (NTAPI *PKKERNEL_ROUTINE)(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext, PVOID *SystemArgument1, PVOID *SystemArgument2);
typedef VOID (NTAPI *PKRUNDOWN_ROUTINE)(PKAPC Apc);
NTKERNELAPI VOID NTAPI KeInitializeApc(PKAPC Apc, PKTHREAD Thread, KAPC_ENVIRONMENT Environment, PKKERNEL_ROUTINE KernelRoutine,
                                       PKRUNDOWN_ROUTINE RundownRoutine, PKNORMAL_ROUTINE NormalRoutine, KPROCESSOR_MODE ApcMode, PVOID NormalContext);
NTKERNELAPI BOOLEAN NTAPI KeInsertQueueApc(PKAPC Apc, PVOID SystemArgument1, PVOID SystemArgument2, KPRIORITY Increment);
NTSYSAPI NTSTATUS NTAPI ZwQueryInformationThread(HANDLE ThreadHandle, ULONG ThreadInformationClass, PVOID ThreadInformation,
                                                 ULONG ThreadInformationLength, PULONG ReturnLength);
#define ThreadBasicInfo 0
#define ThreadTimesInfo 1
typedef struct _THREAD_BASIC_INFO {
    NTSTATUS ExitStatus;
    PVOID TebBaseAddress;
    CLIENT_ID ClientId;
    KAFFINITY AffinityMask;
    KPRIORITY Priority;
    KPRIORITY BasePriority;
} THREAD_BASIC_INFO;

typedef struct _APC_TEST {
    KEVENT Stop;         /* the worker waits on it (non-alertable) */
    KEVENT Sampled;      /* the normal routine sets it */
    PKTHREAD Worker;
    HANDLE WorkerHandle;
    PKTHREAD SeenByKernelRoutine;
    PKTHREAD SeenByNormalRoutine;
    KIRQL KernelIrql;
    KIRQL NormalIrql;
    PVOID Arg1;
    PVOID Arg2;
    NTSTATUS TimesStatus;
    KERNEL_USER_TIMES Times;
    LONG WorkerWaits;
    LONG SelfRuns;
} APC_TEST, *PAPC_TEST;

static VOID NTAPI Worker(PVOID Context)
{
    PAPC_TEST t = (PAPC_TEST)Context;
    KeWaitForSingleObject(&t->Stop, Executive, KernelMode, FALSE, NULL);
    InterlockedIncrement(&t->WorkerWaits);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID NTAPI KernelRoutine(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext, PVOID *Arg1, PVOID *Arg2)
{
    PAPC_TEST t = (PAPC_TEST)*NormalContext;
    UNREFERENCED_PARAMETER(Apc);
    UNREFERENCED_PARAMETER(NormalRoutine);
    t->SeenByKernelRoutine = KeGetCurrentThread();
    t->KernelIrql = KeGetCurrentIrql();
    t->Arg1 = *Arg1;
    t->Arg2 = *Arg2;
}

static VOID NTAPI NormalRoutine(PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PAPC_TEST t = (PAPC_TEST)Context;
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    t->SeenByNormalRoutine = KeGetCurrentThread();
    t->NormalIrql = KeGetCurrentIrql();
    t->TimesStatus = ZwQueryInformationThread(NtCurrentThread(), ThreadTimesInfo, &t->Times, sizeof(t->Times), NULL);
    KeSetEvent(&t->Sampled, IO_NO_INCREMENT, FALSE);
}

static VOID NTAPI SelfRoutine(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext, PVOID *Arg1, PVOID *Arg2)
{
    UNREFERENCED_PARAMETER(NormalRoutine);
    UNREFERENCED_PARAMETER(NormalContext);
    UNREFERENCED_PARAMETER(Arg2);
    UNREFERENCED_PARAMETER(Apc);
    InterlockedIncrement(&((PAPC_TEST)*Arg1)->SelfRuns);
}

int TestApc(void)
{
    int failures = 0;
    APC_TEST t;
    KAPC apc, self;
    OBJECT_ATTRIBUTES oa;
    ULONG ret = 0;
    THREAD_BASIC_INFO basic;
    KERNEL_USER_TIMES times;
    NTSTATUS st;

    RtlZeroMemory(&t, sizeof(t));
    KeInitializeEvent(&t.Stop, NotificationEvent, FALSE);
    KeInitializeEvent(&t.Sampled, NotificationEvent, FALSE);
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    st = PsCreateSystemThread(&t.WorkerHandle, THREAD_ALL_ACCESS, &oa, NULL, NULL, Worker, &t);
    CHECK(st == STATUS_SUCCESS);
    if (!NT_SUCCESS(st)) return failures;
    st = ObReferenceObjectByHandle(t.WorkerHandle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&t.Worker, NULL);
    CHECK(st == STATUS_SUCCESS);
    if (!NT_SUCCESS(st)) return failures;

    /* Thread information by handle: the basic record and the times, with exact lengths only. */
    CHECK(ZwQueryInformationThread(t.WorkerHandle, ThreadBasicInfo, &basic, sizeof(basic), &ret) == STATUS_SUCCESS && ret == sizeof(basic));
    CHECK(basic.ExitStatus == STATUS_PENDING && basic.TebBaseAddress == NULL && basic.ClientId.UniqueProcess == (HANDLE)4 && basic.ClientId.UniqueThread != NULL);
    CHECK(ZwQueryInformationThread(t.WorkerHandle, ThreadBasicInfo, &basic, sizeof(basic) + 4, &ret) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ZwQueryInformationThread(t.WorkerHandle, ThreadTimesInfo, &times, sizeof(times), &ret) == STATUS_SUCCESS && ret == sizeof(times));
    CHECK(times.CreateTime.QuadPart != 0 && times.ExitTime.QuadPart == 0);
    CHECK(ZwQueryInformationThread(t.WorkerHandle, ThreadTimesInfo, &times, sizeof(times) - 1, &ret) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ZwQueryInformationThread(t.WorkerHandle, 0x7777, &times, sizeof(times), &ret) == STATUS_INVALID_INFO_CLASS);
    CHECK(ZwQueryInformationThread((HANDLE)(ULONG_PTR)0x7770, ThreadTimesInfo, &times, sizeof(times), &ret) == STATUS_INVALID_HANDLE);

    /* Let the worker run into its wait, then queue a normal kernel APC to it. */
    ZwYieldExecution();
    KeInitializeApc(&apc, t.Worker, OriginalApcEnvironment, KernelRoutine, NULL, NormalRoutine, KernelMode, &t);
    CHECK(KeInsertQueueApc(&apc, (PVOID)0x11, (PVOID)0x22, IO_NO_INCREMENT) == TRUE);
    CHECK(KeInsertQueueApc(&apc, NULL, NULL, IO_NO_INCREMENT) == FALSE); /* already queued */
    /* Waiting lets the worker take it: kernel routine at APC_LEVEL, normal routine at PASSIVE_LEVEL, both in the worker. */
    st = KeWaitForSingleObject(&t.Sampled, Executive, KernelMode, FALSE, NULL);
    CHECK(st == STATUS_SUCCESS);
    CHECK(t.SeenByKernelRoutine == t.Worker && t.SeenByNormalRoutine == t.Worker);
    CHECK(t.KernelIrql == APC_LEVEL && t.NormalIrql == PASSIVE_LEVEL);
    CHECK(t.Arg1 == (PVOID)0x11 && t.Arg2 == (PVOID)0x22);
    CHECK(t.TimesStatus == STATUS_SUCCESS && t.Times.CreateTime.QuadPart == times.CreateTime.QuadPart);
    /* The worker's wait was not ended by the APC. */
    CHECK(t.WorkerWaits == 0);

    /* A special kernel APC (no normal routine) queued to the current thread runs before the call returns. */
    KeInitializeApc(&self, KeGetCurrentThread(), OriginalApcEnvironment, SelfRoutine, NULL, NULL, KernelMode, NULL);
    CHECK(KeInsertQueueApc(&self, &t, NULL, IO_NO_INCREMENT) == TRUE && t.SelfRuns == 1);

    /* Stop the worker; an APC to a thread that has ended is refused. */
    KeSetEvent(&t.Stop, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(t.Worker, Executive, KernelMode, FALSE, NULL);
    CHECK(t.WorkerWaits == 1);
    KeInitializeApc(&apc, t.Worker, OriginalApcEnvironment, KernelRoutine, NULL, NormalRoutine, KernelMode, &t);
    CHECK(KeInsertQueueApc(&apc, NULL, NULL, IO_NO_INCREMENT) == FALSE);
    CHECK(ZwQueryInformationThread(t.WorkerHandle, ThreadBasicInfo, &basic, sizeof(basic), NULL) == STATUS_SUCCESS && basic.ExitStatus == STATUS_SUCCESS);
    ObDereferenceObject(t.Worker);
    ZwClose(t.WorkerHandle);
    return failures;
}

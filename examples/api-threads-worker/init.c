/*
 * tlog.sys — library lifetime: DllInitialize starts the worker thread, DllUnload stops it and
 * waits for it (ObReferenceObjectByHandle on the thread handle, KeWaitForSingleObject, ZwClose).
 */
#define TLOG_EXPORTS
#include "tlog.h"

TLOG_STATE g_Tlog;

static VOID NTAPI TlogWorker(PVOID Context)
{
    PTLOG_STATE s = (PTLOG_STATE)Context;
    PVOID objects[3];
    NTSTATUS st;

    objects[0] = &s->StopEvent;
    objects[1] = &s->DataEvent;
    objects[2] = &s->FlushTimer;
    s->Stats.WorkerId = PsGetCurrentThreadId();
    KeSetPriorityThread(KeGetCurrentThread(), LOW_REALTIME_PRIORITY);
    for (;;) {
        st = KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
        if (KeGetCurrentIrql() != PASSIVE_LEVEL) s->Stats.BadIrql++;
        if (st == STATUS_WAIT_0) break;
        if (st == STATUS_WAIT_1) s->Stats.WakeUps++;
        else if (st == STATUS_WAIT_2) s->Stats.Ticks++;
        TlogDrain(s);
    }
    TlogDrain(s);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    HANDLE thread;
    OBJECT_ATTRIBUTES oa;
    LARGE_INTEGER due;
    NTSTATUS st;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlZeroMemory(&g_Tlog, sizeof(g_Tlog));
    KeInitializeSpinLock(&g_Tlog.Lock);
    InitializeListHead(&g_Tlog.Queue);
    KeInitializeEvent(&g_Tlog.StopEvent, NotificationEvent, FALSE);
    KeInitializeEvent(&g_Tlog.DataEvent, SynchronizationEvent, FALSE);
    KeInitializeTimerEx(&g_Tlog.FlushTimer, SynchronizationTimer);
    due.QuadPart = -(LONGLONG)TLOG_TICK_MS * 10000;
    KeSetTimerEx(&g_Tlog.FlushTimer, due, TLOG_TICK_MS, NULL);

    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    st = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &oa, NULL, NULL, TlogWorker, &g_Tlog);
    if (!NT_SUCCESS(st)) {
        KeCancelTimer(&g_Tlog.FlushTimer);
        return st;
    }
    st = ObReferenceObjectByHandle(thread, SYNCHRONIZE, *PsThreadType, KernelMode, (PVOID *)&g_Tlog.Worker, NULL);
    ZwClose(thread);
    if (!NT_SUCCESS(st)) {
        KeSetEvent(&g_Tlog.StopEvent, IO_NO_INCREMENT, FALSE);
        KeCancelTimer(&g_Tlog.FlushTimer);
        return st;
    }
    DbgPrint("tlog: worker started\n");
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    NTSTATUS st;

    KeSetEvent(&g_Tlog.StopEvent, IO_NO_INCREMENT, FALSE);
    st = KeWaitForSingleObject(g_Tlog.Worker, Executive, KernelMode, FALSE, NULL);
    DbgPrint("tlog: worker joined (wait 0x%x, exit 0x%x), %d written, %d drained, checksum %lu\n",
             st, PsGetThreadExitStatus((PETHREAD)g_Tlog.Worker), g_Tlog.Stats.Written, g_Tlog.Stats.Drained, g_Tlog.Stats.Checksum);
    ObDereferenceObject(g_Tlog.Worker);
    KeCancelTimer(&g_Tlog.FlushTimer);
    return STATUS_SUCCESS;
}

/*
 * tlogcli.sys — DriverEntry writes through tlog.sys, starts a writer thread, lets 30 ms of
 * emulated time pass and checks that the library's worker drained every line in its own thread.
 */
#include "client.h"

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD ClientUnload;

static PVOID g_Writer;

VOID ClientUnload(PDRIVER_OBJECT DriverObject)
{
    TLOG_STATS s;
    UNREFERENCED_PARAMETER(DriverObject);
    if (g_Writer) {
        KeWaitForSingleObject(g_Writer, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(g_Writer);
    }
    TlogQueryStats(&s);
    DbgPrint("tlogcli: unload, %d written, %d drained\n", s.Written, s.Drained);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int failures = 0;
    TLOG_STATS s;
    HANDLE h;
    LARGE_INTEGER interval;
    NTSTATUS st;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = ClientUnload;
    if (TlogWrite(1, "client started") != STATUS_SUCCESS) failures++;
    if (TlogWrite(1, "second line") != STATUS_SUCCESS) failures++;
    if (TlogWrite(1, NULL) != STATUS_INVALID_PARAMETER) failures++;
    TlogQueryStats(&s);
    if (s.Written != 2) failures++;

    st = IoCreateSystemThread(DriverObject, &h, THREAD_ALL_ACCESS, NULL, NULL, NULL, WriterThread, NULL);
    if (st != STATUS_SUCCESS) failures++;
    if (NT_SUCCESS(st)) {
        if (ObReferenceObjectByHandle(h, SYNCHRONIZE, *PsThreadType, KernelMode, &g_Writer, NULL) != STATUS_SUCCESS) failures++;
        ZwClose(h);
    }

    /* 30 ms pass: the worker wakes for the data and for each 10 ms tick, the writer every 2 ms. */
    interval.QuadPart = -30 * 10000;
    KeDelayExecutionThread(KernelMode, FALSE, &interval);
    TlogQueryStats(&s);
    DbgPrint("tlogcli: %d written, %d drained, %d ticks, %d wake-ups, worker %p\n", s.Written, s.Drained, s.Ticks, s.WakeUps, s.WorkerId);
    if (s.Written != 2 + WRITER_MESSAGES || s.Drained != s.Written) failures++;
    if (s.Ticks != 3) failures++;
    if (s.WakeUps < 1 || s.BadIrql != 0) failures++;
    if (s.WorkerId == NULL || s.WorkerId == PsGetCurrentThreadId()) failures++;
    if (failures) DbgPrint("FAIL tlogcli: %d failed checks\n", failures);
    return failures ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}

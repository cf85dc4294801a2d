/*
 * tlog.sys — the message queue: TlogWrite queues a copy under the spin lock and wakes the
 * worker; the worker drains it (TlogDrain) outside the lock.
 */
#define TLOG_EXPORTS
#include "tlog.h"

NTSTATUS NTAPI TlogWrite(ULONG Level, PCSTR Message)
{
    PTLOG_ENTRY e;
    KIRQL old;
    SIZE_T i;

    if (Message == NULL) return STATUS_INVALID_PARAMETER;
    e = (PTLOG_ENTRY)ExAllocatePoolWithTag(NonPagedPool, sizeof(TLOG_ENTRY), TLOG_TAG);
    if (e == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    e->Level = Level;
    for (i = 0; i + 1 < TLOG_MAX_MESSAGE && Message[i]; i++) e->Text[i] = Message[i];
    e->Text[i] = 0;
    KeAcquireSpinLock(&g_Tlog.Lock, &old);
    InsertTailList(&g_Tlog.Queue, &e->Link);
    g_Tlog.Stats.Written++;
    KeReleaseSpinLock(&g_Tlog.Lock, old);
    KeSetEvent(&g_Tlog.DataEvent, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

VOID TlogDrain(PTLOG_STATE State)
{
    for (;;) {
        PLIST_ENTRY link = NULL;
        PTLOG_ENTRY e;
        KIRQL old;
        SIZE_T i;

        KeAcquireSpinLock(&State->Lock, &old);
        if (!IsListEmpty(&State->Queue)) link = RemoveHeadList(&State->Queue);
        KeReleaseSpinLock(&State->Lock, old);
        if (link == NULL) return;
        e = CONTAINING_RECORD(link, TLOG_ENTRY, Link);
        for (i = 0; e->Text[i]; i++) State->Stats.Checksum += (UCHAR)e->Text[i];
        DbgPrint("tlog[%lu]: %s\n", e->Level, e->Text);
        State->Stats.Drained++;
        ExFreePoolWithTag(e, TLOG_TAG);
    }
}

VOID NTAPI TlogQueryStats(PTLOG_STATS Stats)
{
    KIRQL old;
    KeAcquireSpinLock(&g_Tlog.Lock, &old);
    *Stats = g_Tlog.Stats;
    KeReleaseSpinLock(&g_Tlog.Lock, old);
}

/*
 * An audio adapter's interrupt synchronization (portcls.h): what a WaveCyclic/WavePci adapter's
 * StartDevice does with the resource list portcls hands it (the WDK's sb16/ac97 samples, and the
 * HD audio drivers of the DriverPack set that import PcNewInterruptSync): make the object from the
 * list's first interrupt, register the ISR, connect, run register accesses synchronized with the ISR,
 * disconnect and release at stop.
 */
#include "qamodules.h"

typedef struct _QA_SYNC_CONTEXT {
    ULONG Calls;
    KIRQL Irql;
    NTSTATUS Result;
} QA_SYNC_CONTEXT;

static NTSTATUS NTAPI SyncRoutine(PQA_INTERRUPTSYNC InterruptSync, PVOID DynamicContext)
{
    QA_SYNC_CONTEXT *c = (QA_SYNC_CONTEXT *)DynamicContext;
    UNREFERENCED_PARAMETER(InterruptSync);
    c->Calls++;
    c->Irql = KeGetCurrentIrql();
    return c->Result;
}

static NTSTATUS NTAPI AdapterIsr(PQA_INTERRUPTSYNC InterruptSync, PVOID DynamicContext)
{
    UNREFERENCED_PARAMETER(InterruptSync);
    UNREFERENCED_PARAMETER(DynamicContext);
    return STATUS_UNSUCCESSFUL; /* not our interrupt */
}

/* A translated resource list: an I/O port range and one interrupt (level 5, vector 0x35). */
static void BuildResources(PCM_RESOURCE_LIST List)
{
    PCM_PARTIAL_RESOURCE_LIST partial = &List->List[0].PartialResourceList;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR d = partial->PartialDescriptors;
    List->Count = 1;
    List->List[0].InterfaceType = PCIBus;
    partial->Version = 1;
    partial->Revision = 1;
    partial->Count = 2;
    d[0].Type = CmResourceTypePort;
    d[0].ShareDisposition = CmResourceShareDeviceExclusive;
    d[0].Flags = CM_RESOURCE_PORT_IO;
    d[0].u.Port.Start.QuadPart = 0x300;
    d[0].u.Port.Length = 16;
    d[1].Type = CmResourceTypeInterrupt;
    d[1].ShareDisposition = CmResourceShareShared;
    d[1].Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
    d[1].u.Interrupt.Level = 5;
    d[1].u.Interrupt.Vector = 0x35;
    d[1].u.Interrupt.Affinity = 1;
}

__declspec(dllexport) ULONG TestInterruptSync(void)
{
    ULONG failures = 0;
    ULONG64 storage[16];
    PCM_RESOURCE_LIST resources = (PCM_RESOURCE_LIST)storage;
    PQA_RESOURCELIST list = NULL;
    PQA_INTERRUPTSYNC sync = NULL, other = NULL;
    QA_SYNC_CONTEXT c = {0, 0, STATUS_MORE_PROCESSING_REQUIRED};
    RtlZeroMemory(storage, sizeof(storage));
    BuildResources(resources);
    CHECK(PcNewResourceList(&list, NULL, NonPagedPool, resources, resources) == STATUS_SUCCESS);
    if (list == NULL)
        return failures + 1;
    /* Misuses: no second interrupt, no such mode, no list. */
    CHECK(PcNewInterruptSync(&other, NULL, list, 1, InterruptSyncModeNormal) == STATUS_INVALID_PARAMETER);
    CHECK(PcNewInterruptSync(&other, NULL, list, 0, (INTERRUPTSYNCMODE)4) == STATUS_INVALID_PARAMETER);
    CHECK(PcNewInterruptSync(&other, NULL, NULL, 0, InterruptSyncModeNormal) == STATUS_INVALID_PARAMETER);
    CHECK(other == NULL);
    CHECK(PcNewInterruptSync(&sync, NULL, list, 0, InterruptSyncModeNormal) == STATUS_SUCCESS);
    if (sync == NULL)
        return failures + 1;
    CHECK(sync->lpVtbl->GetKInterrupt(sync) == NULL);
    /* Not connected: the routine runs under the object's spin lock (DISPATCH_LEVEL); its status is returned. */
    CHECK(sync->lpVtbl->CallSynchronizedRoutine(sync, SyncRoutine, &c) == STATUS_MORE_PROCESSING_REQUIRED);
    CHECK(c.Calls == 1 && c.Irql == DISPATCH_LEVEL);
    /* No service routine yet: nothing to connect. */
    CHECK(sync->lpVtbl->Connect(sync) == STATUS_UNSUCCESSFUL);
    CHECK(sync->lpVtbl->RegisterServiceRoutine(sync, NULL, NULL, FALSE) == STATUS_INVALID_PARAMETER);
    CHECK(sync->lpVtbl->RegisterServiceRoutine(sync, AdapterIsr, &c, FALSE) == STATUS_SUCCESS);
    CHECK(sync->lpVtbl->Connect(sync) == STATUS_SUCCESS);
    CHECK(sync->lpVtbl->GetKInterrupt(sync) != NULL);
    /* Connected: at the interrupt's IRQL (the descriptor's level). */
    c.Result = STATUS_SUCCESS;
    CHECK(sync->lpVtbl->CallSynchronizedRoutine(sync, SyncRoutine, &c) == STATUS_SUCCESS);
    CHECK(c.Calls == 2 && c.Irql == 5);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
    sync->lpVtbl->Disconnect(sync);
    CHECK(sync->lpVtbl->GetKInterrupt(sync) == NULL);
    sync->lpVtbl->Disconnect(sync);
    CHECK(sync->lpVtbl->Release(sync) == 0);
    CHECK(list->lpVtbl->Release(list) == 0);
    return failures;
}

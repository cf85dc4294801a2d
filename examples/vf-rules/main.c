/*
 * vfrules.sys — entry points and the helpers that run a routine as a kernel callback.
 */
#include "vfrules.h"

KSPIN_LOCK g_Lock;
FAST_MUTEX g_Mutex;

static VOID InitializeLocks(void)
{
    KeInitializeSpinLock(&g_Lock);
    ExInitializeFastMutex(&g_Mutex);
}

static DRIVER_UNLOAD VfUnload;
static VOID VfUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

/* Started as a service (kmdll sim start:vfrules): the locks are set up here... */
DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    InitializeLocks();
    g_Driver = DriverObject;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = VfDispatch;
    DriverObject->DriverUnload = VfUnload;
    return STATUS_SUCCESS;
}

/* ...and loaded as an export driver (kmdll call), here. */
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    InitializeLocks();
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

typedef struct _WORK {
    WORK_QUEUE_ITEM Item;
    PWORKER_THREAD_ROUTINE Routine;
    KEVENT Done;
} WORK, *PWORK;

static VOID NTAPI WorkTrampoline(PVOID Parameter)
{
    PWORK w = (PWORK)Parameter;
    w->Routine(NULL);
    KeSetEvent(&w->Done, IO_NO_INCREMENT, FALSE);
}

VOID RunAsWorkItem(PWORKER_THREAD_ROUTINE Routine)
{
    WORK w;
    w.Routine = Routine;
    KeInitializeEvent(&w.Done, SynchronizationEvent, FALSE);
    ExInitializeWorkItem(&w.Item, WorkTrampoline, &w);
#pragma warning(suppress : 4996)
    ExQueueWorkItem(&w.Item, DelayedWorkQueue);
    KeWaitForSingleObject(&w.Done, Executive, KernelMode, FALSE, NULL);
}

VOID RunAsDpc(PKDEFERRED_ROUTINE Routine)
{
    KDPC dpc;
    KeInitializeDpc(&dpc, Routine, NULL);
    /* Queued at PASSIVE_LEVEL: it runs before KeInsertQueueDpc returns. */
    KeInsertQueueDpc(&dpc, NULL, NULL);
}

/*
 * System threads and events: a worker thread that signals the creator and exits with
 * PsTerminateSystemThread, waited on through ObReferenceObjectByHandle; events created with
 * ZwCreateEvent (by handle, named) and IoCreateNotificationEvent/IoCreateSynchronizationEvent.
 */
#include "apisched.h"

/* ntifs.h routines (this driver includes ntddk.h), prototypes as the WDK declares them. */
NTSYSAPI NTSTATUS NTAPI ZwCreateEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes, EVENT_TYPE EventType, BOOLEAN InitialState);
NTSYSAPI NTSTATUS NTAPI ZwSetEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI ZwResetEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI ZwClearEvent(HANDLE EventHandle);
NTSYSAPI NTSTATUS NTAPI ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);

typedef struct _THREAD_CONTEXT {
    KEVENT Started;
    LONG Value;
    HANDLE Event;
} THREAD_CONTEXT, *PTHREAD_CONTEXT;

static VOID NTAPI ThreadMain(PVOID Context)
{
    PTHREAD_CONTEXT c = (PTHREAD_CONTEXT)Context;
    c->Value = 42;
    KeSetEvent(&c->Started, IO_NO_INCREMENT, FALSE);
    if (c->Event) ZwSetEvent(c->Event, NULL);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

int TestThreads(void)
{
    int failures = 0;
    THREAD_CONTEXT c;
    HANDLE thread = NULL;
    PVOID object = NULL;
    CLIENT_ID id;
    OBJECT_ATTRIBUTES oa;
    NTSTATUS st;
    LARGE_INTEGER zero;

    RtlZeroMemory(&c, sizeof(c));
    KeInitializeEvent(&c.Started, NotificationEvent, FALSE);
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    st = ZwCreateEvent(&c.Event, EVENT_ALL_ACCESS, &oa, SynchronizationEvent, FALSE);
    CHECK(st == STATUS_SUCCESS);
    st = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &oa, NULL, &id, ThreadMain, &c);
    CHECK(st == STATUS_SUCCESS && thread != NULL);
    CHECK(id.UniqueProcess == (HANDLE)4 && id.UniqueThread != NULL);
    if (!NT_SUCCESS(st)) return failures;
    st = ObReferenceObjectByHandle(thread, SYNCHRONIZE, *PsThreadType, KernelMode, &object, NULL);
    CHECK(st == STATUS_SUCCESS && object != NULL);
    ZwClose(thread);
    /* A zero timeout polls: the thread has not run yet. */
    zero.QuadPart = 0;
    CHECK(KeWaitForSingleObject(object, Executive, KernelMode, FALSE, &zero) == STATUS_TIMEOUT);
    /* Waiting on the thread runs it; it has signaled both events and terminated. */
    st = KeWaitForSingleObject(object, Executive, KernelMode, FALSE, NULL);
    CHECK(st == STATUS_SUCCESS && c.Value == 42);
    CHECK(KeReadStateEvent(&c.Started) == 1);
    CHECK(ZwWaitForSingleObject(c.Event, FALSE, &zero) == STATUS_SUCCESS);
    CHECK(ZwWaitForSingleObject(c.Event, FALSE, &zero) == STATUS_TIMEOUT); /* auto-reset */
    if (object) ObDereferenceObject(object);
    ZwClose(c.Event);
    CHECK(PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &oa, NULL, NULL, NULL, NULL) == STATUS_INVALID_PARAMETER);
    return failures;
}

int TestEvents(void)
{
    int failures = 0;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    HANDLE h1 = NULL, h2 = NULL, h3 = NULL, h4 = NULL;
    PKEVENT e1, e2;
    LONG prev = -1;
    LARGE_INTEGER zero;
    NTSTATUS st;

    zero.QuadPart = 0;
    RtlInitUnicodeString(&name, L"\\BaseNamedObjects\\ApiSchedReady");
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwCreateEvent(&h1, EVENT_ALL_ACCESS, &oa, NotificationEvent, FALSE) == STATUS_SUCCESS);
    CHECK(ZwCreateEvent(&h2, EVENT_ALL_ACCESS, &oa, NotificationEvent, FALSE) == STATUS_OBJECT_NAME_COLLISION);
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_OPENIF, NULL, NULL);
    CHECK(ZwCreateEvent(&h2, EVENT_ALL_ACCESS, &oa, NotificationEvent, FALSE) == STATUS_OBJECT_NAME_EXISTS);
    CHECK(ZwOpenEvent(&h3, EVENT_ALL_ACCESS, &oa) == STATUS_SUCCESS);
    /* Three handles, one event. */
    CHECK(ZwSetEvent(h2, &prev) == STATUS_SUCCESS && prev == 0);
    CHECK(ZwWaitForSingleObject(h1, FALSE, &zero) == STATUS_SUCCESS);
    CHECK(ZwWaitForSingleObject(h3, FALSE, &zero) == STATUS_SUCCESS); /* notification: stays set */
    CHECK(ZwResetEvent(h3, &prev) == STATUS_SUCCESS && prev == 1);
    CHECK(ZwClearEvent(h1) == STATUS_SUCCESS);
    CHECK(ZwWaitForSingleObject(h1, FALSE, &zero) == STATUS_TIMEOUT);
    ZwClose(h1);
    ZwClose(h2);
    ZwClose(h3);
    /* The last handle closed: the name is gone. */
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwOpenEvent(&h3, EVENT_ALL_ACCESS, &oa) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(ZwSetEvent((HANDLE)(ULONG_PTR)0x12345678, NULL) == STATUS_INVALID_HANDLE);

    /* IoCreate*Event: created signaled, opened by a second call. */
    RtlInitUnicodeString(&name, L"\\BaseNamedObjects\\ApiSchedNotify");
    e1 = IoCreateNotificationEvent(&name, &h1);
    CHECK(e1 != NULL && KeReadStateEvent(e1) == 1);
    e2 = IoCreateNotificationEvent(&name, &h2);
    CHECK(e2 == e1);
    KeClearEvent(e1);
    ZwClose(h2);
    ZwClose(h1);
    RtlInitUnicodeString(&name, L"\\BaseNamedObjects\\ApiSchedSync");
    e1 = IoCreateSynchronizationEvent(&name, &h4);
    CHECK(e1 != NULL);
    if (e1) {
        CHECK(KeWaitForSingleObject(e1, Executive, KernelMode, FALSE, &zero) == STATUS_SUCCESS);
        CHECK(KeWaitForSingleObject(e1, Executive, KernelMode, FALSE, &zero) == STATUS_TIMEOUT);
        ZwClose(h4);
    }
    return failures;
}

static VOID NTAPI WaitsForStop(PVOID Context)
{
    PKEVENT stop = (PKEVENT)Context;
    KeWaitForSingleObject(stop, Executive, KernelMode, FALSE, NULL);
}

/* A thread waiting for an event only a later step could set: reported, not hung. */
int ThreadWaitsForever(void)
{
    static KEVENT stop;
    HANDLE thread;
    PVOID object;
    KeInitializeEvent(&stop, NotificationEvent, FALSE);
    PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, WaitsForStop, &stop);
    ObReferenceObjectByHandle(thread, SYNCHRONIZE, NULL, KernelMode, &object, NULL);
    KeWaitForSingleObject(object, Executive, KernelMode, FALSE, NULL);
    return 0;
}

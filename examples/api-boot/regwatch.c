/*
 * apiboot.sys — registry change notifications (ZwNotifyChangeKey) on <service key>\Watch:
 * invalid arguments, a request completed by a value set (event signalled, STATUS_NOTIFY_ENUM_DIR),
 * REG_NOTIFY_CHANGE_NAME ignoring a value set and completed by a new subkey, WatchTree seeing a
 * change below the key, a work item queued by a completion, and STATUS_NOTIFY_CLEANUP when the
 * watched handle is closed.
 */
#include "apiboot.h"

#ifndef STATUS_NOTIFY_CLEANUP
#define STATUS_NOTIFY_CLEANUP ((NTSTATUS)0x0000010BL)
#endif
#ifndef STATUS_NOTIFY_ENUM_DIR
#define STATUS_NOTIFY_ENUM_DIR ((NTSTATUS)0x0000010CL)
#endif
#define PENDING_MARK ((NTSTATUS)0x7EADBEEFL)

static WORK_QUEUE_ITEM g_Item;
static ULONG g_WorkRuns;
static IO_STATUS_BLOCK g_WorkIosb;
static KEVENT g_WorkDone;

static VOID NTAPI WorkRoutine(PVOID Parameter)
{
    if (Parameter == &g_Item && g_WorkIosb.Status == STATUS_NOTIFY_ENUM_DIR)
        g_WorkRuns++;
    KeSetEvent(&g_WorkDone, IO_NO_INCREMENT, FALSE);
}

static HANDLE OpenKey(PUNICODE_STRING path, HANDLE root, BOOLEAN create)
{
    OBJECT_ATTRIBUTES oa;
    HANDLE key = NULL;
    InitializeObjectAttributes(&oa, path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, root, NULL);
    if (create)
        ZwCreateKey(&key, KEY_ALL_ACCESS, &oa, 0, NULL, REG_OPTION_VOLATILE, NULL);
    else
        ZwOpenKey(&key, KEY_ALL_ACCESS, &oa);
    return key;
}

static BOOLEAN Signalled(HANDLE ev)
{
    LARGE_INTEGER zero;
    zero.QuadPart = 0;
    return ZwWaitForSingleObject(ev, FALSE, &zero) == STATUS_SUCCESS;
}

VOID TestRegistryWatch(PUNICODE_STRING RegistryPath, ULONG mode)
{
    HANDLE service, key, again, sub, ev = NULL;
    UNICODE_STRING watch, subName, value;
    IO_STATUS_BLOCK iosb;
    ULONG one = 1;
    NTSTATUS status;

    service = OpenKey(RegistryPath, NULL, FALSE);
    RtlInitUnicodeString(&watch, L"Watch");
    RtlInitUnicodeString(&subName, L"Sub");
    RtlInitUnicodeString(&value, L"V");
    key = OpenKey(&watch, service, TRUE);
    Check(key != NULL, "ZwCreateKey Watch");
    if (key == NULL)
        return;

    if (mode == ModeSyncNotify)
        ZwNotifyChangeKey(key, NULL, NULL, NULL, &iosb, REG_NOTIFY_CHANGE_LAST_SET, FALSE, NULL, 0, FALSE);

    Check(ZwNotifyChangeKey(key, NULL, NULL, NULL, &iosb, 0x20, FALSE, NULL, 0, TRUE) == STATUS_INVALID_PARAMETER, "ZwNotifyChangeKey(filter 0x20)");
    Check(ZwNotifyChangeKey(key, NULL, NULL, NULL, &iosb, 0, FALSE, NULL, 0, TRUE) == STATUS_INVALID_PARAMETER, "ZwNotifyChangeKey(filter 0)");
    Check(ZwNotifyChangeKey((HANDLE)(ULONG_PTR)0x1234, NULL, NULL, NULL, &iosb, REG_NOTIFY_CHANGE_NAME, FALSE, NULL, 0, TRUE) == STATUS_INVALID_HANDLE, "ZwNotifyChangeKey(bad handle)");

    /* A value set completes a LAST_SET request: status and event. */
    Check(NT_SUCCESS(ZwCreateEvent(&ev, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE)), "ZwCreateEvent");
    iosb.Status = PENDING_MARK;
    status = ZwNotifyChangeKey(key, ev, NULL, NULL, &iosb, REG_NOTIFY_CHANGE_LAST_SET, FALSE, NULL, 0, TRUE);
    Check(status == STATUS_PENDING, "ZwNotifyChangeKey is pending");
    Check(iosb.Status == PENDING_MARK && !Signalled(ev), "nothing completes before a change");
    ZwSetValueKey(key, &value, 0, REG_DWORD, &one, sizeof(one));
    Check(iosb.Status == STATUS_NOTIFY_ENUM_DIR && iosb.Information == 0, "a value set completes it with STATUS_NOTIFY_ENUM_DIR");
    Check(Signalled(ev), "and signals the event");

    /* REG_NOTIFY_CHANGE_NAME: a value set is not a name change; a new subkey is. */
    iosb.Status = PENDING_MARK;
    Check(ZwNotifyChangeKey(key, NULL, NULL, NULL, &iosb, REG_NOTIFY_CHANGE_NAME, FALSE, NULL, 0, TRUE) == STATUS_PENDING, "ZwNotifyChangeKey(NAME)");
    ZwSetValueKey(key, &value, 0, REG_DWORD, &one, sizeof(one));
    Check(iosb.Status == PENDING_MARK, "a value set does not complete a NAME request");
    sub = OpenKey(&subName, key, TRUE);
    Check(iosb.Status == STATUS_NOTIFY_ENUM_DIR, "a new subkey completes a NAME request");

    /* WatchTree: a value set below the key. */
    iosb.Status = PENDING_MARK;
    Check(ZwNotifyChangeKey(key, NULL, NULL, NULL, &iosb, REG_NOTIFY_CHANGE_LAST_SET, FALSE, NULL, 0, TRUE) == STATUS_PENDING, "ZwNotifyChangeKey(LAST_SET, no tree)");
    ZwSetValueKey(sub, &value, 0, REG_DWORD, &one, sizeof(one));
    Check(iosb.Status == PENDING_MARK, "a change below the key does not complete a request without WatchTree");
    ZwSetValueKey(key, &value, 0, REG_DWORD, &one, sizeof(one));
    iosb.Status = PENDING_MARK;
    Check(ZwNotifyChangeKey(key, NULL, NULL, NULL, &iosb, REG_NOTIFY_CHANGE_LAST_SET, TRUE, NULL, 0, TRUE) == STATUS_PENDING, "ZwNotifyChangeKey(LAST_SET, tree)");
    ZwSetValueKey(sub, &value, 0, REG_DWORD, &one, sizeof(one));
    Check(iosb.Status == STATUS_NOTIFY_ENUM_DIR, "WatchTree sees a value set below the key");

    /* Kernel mode: ApcRoutine is a WORK_QUEUE_ITEM, ApcContext the queue. */
    ExInitializeWorkItem(&g_Item, WorkRoutine, &g_Item);
    KeInitializeEvent(&g_WorkDone, NotificationEvent, FALSE);
    g_WorkIosb.Status = PENDING_MARK;
    Check(ZwNotifyChangeKey(key, NULL, (PIO_APC_ROUTINE)&g_Item, (PVOID)(ULONG_PTR)DelayedWorkQueue, &g_WorkIosb, REG_NOTIFY_CHANGE_LAST_SET, FALSE, NULL, 0, TRUE) == STATUS_PENDING, "ZwNotifyChangeKey(work item)");
    ZwDeleteValueKey(key, &value);
    Check(g_WorkIosb.Status == STATUS_NOTIFY_ENUM_DIR, "a value delete completes it");
    {
        LARGE_INTEGER second;
        second.QuadPart = -10000000LL;
        Check(KeWaitForSingleObject(&g_WorkDone, Executive, KernelMode, FALSE, &second) == STATUS_SUCCESS, "the completion queued the work item (it ran within a second)");
    }

    /* Closing the watched handle completes its request with STATUS_NOTIFY_CLEANUP. */
    again = OpenKey(&watch, service, FALSE);
    iosb.Status = PENDING_MARK;
    Check(ZwNotifyChangeKey(again, NULL, NULL, NULL, &iosb, REG_NOTIFY_CHANGE_NAME, FALSE, NULL, 0, TRUE) == STATUS_PENDING, "ZwNotifyChangeKey(second handle)");
    ZwClose(again);
    Check(iosb.Status == STATUS_NOTIFY_CLEANUP, "closing the handle completes it with STATUS_NOTIFY_CLEANUP");

    if (sub != NULL) {
        ZwDeleteKey(sub);
        ZwClose(sub);
    }
    ZwDeleteKey(key);
    ZwClose(key);
    if (ev != NULL)
        ZwClose(ev);
    if (service != NULL)
        ZwClose(service);
}

VOID RegistryWatchReport(VOID)
{
    Check(g_WorkRuns == 1, "the work item ran once");
    DbgPrint("apiboot: notify work items %lu\n", g_WorkRuns);
}

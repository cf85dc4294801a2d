/* kmdfwork: framework work items on valid and invalid arguments (Learn: WdfWorkItemCreate and friends). */
#include "kmdfwork.h"

static LONG WorkRuns;
static WDFWORKITEM LastRun;

static VOID NTAPI KmdfWorkItemFunc(WDFWORKITEM WorkItem)
{
    InterlockedIncrement(&WorkRuns);
    LastRun = WorkItem;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL) DbgPrint("FAIL work item at IRQL %u\n", KeGetCurrentIrql());
}

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static void Init(WDF_WORKITEM_CONFIG *config, WDF_OBJECT_ATTRIBUTES *attributes, WDFOBJECT parent)
{
    RtlZeroMemory(config, sizeof(*config));
    config->Size = sizeof(*config);
    config->EvtWorkItemFunc = KmdfWorkItemFunc;
    config->AutomaticSerialization = FALSE;
    RtlZeroMemory(attributes, sizeof(*attributes));
    attributes->Size = sizeof(*attributes);
    attributes->ParentObject = parent;
}

ULONG KmdfWorkTestWorkItems(void)
{
    ULONG failures = 0;
    WDF_WORKITEM_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFWORKITEM item = NULL, other = NULL;

    Init(&config, &attributes, KmdfWorkDevice);
    config.Size = 4;
    CHECK(WdfWorkItemCreate(&config, &attributes, &item) == STATUS_INFO_LENGTH_MISMATCH);
    Init(&config, &attributes, KmdfWorkDevice);
    config.EvtWorkItemFunc = NULL;
    CHECK(WdfWorkItemCreate(&config, &attributes, &item) == STATUS_INVALID_PARAMETER);
    Init(&config, &attributes, KmdfWorkDevice);
    CHECK(WdfWorkItemCreate(&config, WDF_NO_OBJECT_ATTRIBUTES, &item) == STATUS_WDF_PARENT_NOT_SPECIFIED);
    attributes.ParentObject = NULL;
    CHECK(WdfWorkItemCreate(&config, &attributes, &item) == STATUS_WDF_PARENT_NOT_SPECIFIED);
    /* The parent must be a device or lead to one: the driver object does not. */
    attributes.ParentObject = KmdfWorkDriver;
    CHECK(WdfWorkItemCreate(&config, &attributes, &item) == STATUS_INVALID_DEVICE_REQUEST);
    CHECK(item == NULL);

    /* A work item of the device: queued once however often it is enqueued; a flush runs it. */
    attributes.ParentObject = KmdfWorkDevice;
    CHECK(WdfWorkItemCreate(&config, &attributes, &item) == STATUS_SUCCESS && item != NULL);
    if (item == NULL) return failures;
    CHECK(WdfWorkItemGetParentObject(item) == KmdfWorkDevice);
    WorkRuns = 0;
    WdfWorkItemEnqueue(item);
    WdfWorkItemEnqueue(item);
    WdfWorkItemFlush(item);
    CHECK(WorkRuns == 1 && LastRun == item);
    WdfWorkItemFlush(item);
    CHECK(WorkRuns == 1);

    /* One of the queue (whose parent is the device): deleting it while queued runs it first. */
    attributes.ParentObject = KmdfWorkQueue;
    CHECK(WdfWorkItemCreate(&config, &attributes, &other) == STATUS_SUCCESS && other != NULL);
    if (other != NULL) {
        CHECK(WdfWorkItemGetParentObject(other) == KmdfWorkQueue);
        WdfWorkItemEnqueue(other);
        WdfObjectDelete(other);
        CHECK(WorkRuns == 2 && LastRun == other);
    }
    WdfObjectDelete(item);
    CHECK(WorkRuns == 2);
    return failures;
}

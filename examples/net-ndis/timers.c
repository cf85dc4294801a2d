/*
 * netndis.sys — NDIS 6 timer objects and the NDIS 6.0 processor query, as Marvell's yk62x64l.sys /
 * yk62x86l.sys allocate a timer and Broadcom's b57nd60a.sys queries the processors from DriverEntry
 * (held-out set fresh4). Declarations written from Microsoft Learn (ndis.h: NdisAllocateTimerObject,
 * NDIS_TIMER_CHARACTERISTICS, NdisSetTimerObject, NdisCancelTimerObject, NdisFreeTimerObject,
 * NetTimerCallback, NdisGetProcessorInformation, NDIS_SYSTEM_PROCESSOR_INFO, NDIS_PROCESSOR_INFO);
 * NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS is 0x97 in objectheader.h.
 */
#include "netndis.h"

#define NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS 0x97
#define NDIS_TIMER_CHARACTERISTICS_REVISION_1 1
#define NDIS_STATUS_BAD_CHARACTERISTICS ((NDIS_STATUS)0xC0010005L)
#define NDIS_STATUS_BUFFER_TOO_SHORT ((NDIS_STATUS)0xC0010016L)

typedef VOID (NTAPI *NDIS_TIMER_FUNCTION)(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3);
typedef struct _NDIS_TIMER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG AllocationTag;
    NDIS_TIMER_FUNCTION TimerFunction;
    PVOID FunctionContext;
} NDIS_TIMER_CHARACTERISTICS;
#define NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 RTL_SIZEOF_THROUGH_FIELD(NDIS_TIMER_CHARACTERISTICS, FunctionContext)

__declspec(dllimport) NDIS_STATUS NTAPI NdisAllocateTimerObject(NDIS_HANDLE NdisHandle, NDIS_TIMER_CHARACTERISTICS *TimerCharacteristics, NDIS_HANDLE *pTimerObject);
__declspec(dllimport) BOOLEAN NTAPI NdisSetTimerObject(NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime, LONG MillisecondsPeriod, PVOID FunctionContext);
__declspec(dllimport) BOOLEAN NTAPI NdisCancelTimerObject(NDIS_HANDLE TimerObject);
__declspec(dllimport) VOID NTAPI NdisFreeTimerObject(NDIS_HANDLE TimerObject);

typedef enum _NDIS_PROCESSOR_VENDOR { NdisProcessorVendorUnknown, NdisProcessorVendorGenuinIntel, NdisProcessorVendorAuthenticAMD } NDIS_PROCESSOR_VENDOR;
typedef struct _NDIS_PROCESSOR_INFO {
    ULONG CpuNumber;
    ULONG PhysicalPackageId;
    ULONG CoreId;
    ULONG HyperThreadID;
} NDIS_PROCESSOR_INFO;
#define NETNDIS_MAXIMUM_PROC_PER_GROUP (sizeof(PVOID) * 8)
typedef struct _NDIS_SYSTEM_PROCESSOR_INFO {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    NDIS_PROCESSOR_VENDOR ProcessorVendor;
    ULONG NumPhysicalPackages;
    ULONG NumCores;
    ULONG NumCoresPerPhysicalPackage;
    ULONG MaxHyperThreadingCpusPerCore;
    ULONG RssBaseCpu;
    ULONG RssCpuCount;
    PUCHAR RssProcessors;
    NDIS_PROCESSOR_INFO CpuInfo[NETNDIS_MAXIMUM_PROC_PER_GROUP];
} NDIS_SYSTEM_PROCESSOR_INFO;
__declspec(dllimport) ULONG NTAPI NdisSystemProcessorCount(void);
__declspec(dllimport) NDIS_STATUS NTAPI NdisGetProcessorInformation(NDIS_SYSTEM_PROCESSOR_INFO *SystemProcessorInfo);

typedef struct _TIMER_CTX {
    KEVENT Fired;
    ULONG Runs;
    PVOID Context;
    KIRQL Irql;
} TIMER_CTX;

static TIMER_CTX g_Timer, g_Other;

static VOID NTAPI TimerFunction(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3)
{
    TIMER_CTX *t = (TIMER_CTX *)FunctionContext;
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
    t->Runs++;
    t->Context = FunctionContext;
    t->Irql = KeGetCurrentIrql();
    KeSetEvent(&t->Fired, IO_NO_INCREMENT, FALSE);
}

static void InitCtx(TIMER_CTX *t)
{
    RtlZeroMemory(t, sizeof(*t));
    t->Irql = 0xFF;
    KeInitializeEvent(&t->Fired, NotificationEvent, FALSE);
}

static void InitChars(NDIS_TIMER_CHARACTERISTICS *c)
{
    RtlZeroMemory(c, sizeof(*c));
    c->Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    c->Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    c->Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    c->AllocationTag = NETNDIS_TAG;
    c->TimerFunction = TimerFunction;
    c->FunctionContext = &g_Timer;
}

/* A one-shot timer fires once at DISPATCH_LEVEL with the characteristics' context; a periodic one with the
 * context NdisSetTimerObject passes, until cancelled; re-setting a queued timer answers TRUE; bad characteristics fail. */
int NTAPI TestNdisTimer(void)
{
    int failures = 0;
    NDIS_TIMER_CHARACTERISTICS c;
    NDIS_HANDLE timer = NULL, bad = (NDIS_HANDLE)1;
    LARGE_INTEGER due, wait;
    ULONG runs;

    CHECK(sizeof(NDIS_TIMER_CHARACTERISTICS) == (sizeof(PVOID) == 8 ? 24 : 16));
    CHECK(sizeof(NDIS_SYSTEM_PROCESSOR_INFO) == (sizeof(PVOID) == 8 ? 1072 : 552));
    /* Invalid characteristics: NDIS_STATUS_BAD_CHARACTERISTICS, the handle untouched. */
    InitChars(&c);
    c.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    CHECK(NdisAllocateTimerObject(g_Net.MiniportDriver, &c, &bad) == NDIS_STATUS_BAD_CHARACTERISTICS && bad == (NDIS_HANDLE)1);
    InitChars(&c);
    c.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 - 1;
    CHECK(NdisAllocateTimerObject(g_Net.MiniportDriver, &c, &bad) == NDIS_STATUS_BAD_CHARACTERISTICS);
    InitChars(&c);
    c.TimerFunction = NULL;
    CHECK(NdisAllocateTimerObject(g_Net.MiniportDriver, &c, &bad) == NDIS_STATUS_BAD_CHARACTERISTICS);

    InitChars(&c);
    CHECK(NdisAllocateTimerObject(g_Net.MiniportDriver, &c, &timer) == NDIS_STATUS_SUCCESS && timer != NULL);
    if (timer == NULL) return failures;
    InitCtx(&g_Timer);
    InitCtx(&g_Other);
    /* Not queued yet: cancel answers FALSE. */
    CHECK(NdisCancelTimerObject(timer) == FALSE);
    /* One-shot, 10 ms relative, context from the characteristics (NULL FunctionContext). */
    due.QuadPart = -10LL * 10000;
    CHECK(NdisSetTimerObject(timer, due, 0, NULL) == FALSE);
    CHECK(g_Timer.Runs == 0);
    /* Set again while queued: TRUE, still one expiry. */
    CHECK(NdisSetTimerObject(timer, due, 0, NULL) == TRUE);
    wait.QuadPart = -1000LL * 10000; /* 1 s */
    CHECK(KeWaitForSingleObject(&g_Timer.Fired, Executive, KernelMode, FALSE, &wait) == STATUS_SUCCESS);
    CHECK(g_Timer.Runs == 1 && g_Timer.Context == &g_Timer && g_Timer.Irql == DISPATCH_LEVEL);
    /* Fired: no longer queued. */
    CHECK(NdisCancelTimerObject(timer) == FALSE);

    /* Periodic every 5 ms with its own context: fires again and again until cancelled. */
    due.QuadPart = -5LL * 10000;
    CHECK(NdisSetTimerObject(timer, due, 5, &g_Other) == FALSE);
    wait.QuadPart = -23LL * 10000; /* 23 ms: the 5, 10, 15 and 20 ms expiries */
    KeDelayExecutionThread(KernelMode, FALSE, &wait);
    CHECK(g_Other.Runs == 4 && g_Other.Context == &g_Other && g_Timer.Runs == 1);
    CHECK(NdisCancelTimerObject(timer) == TRUE);
    runs = g_Other.Runs;
    KeDelayExecutionThread(KernelMode, FALSE, &wait);
    CHECK(g_Other.Runs == runs);

    /* Freed while queued: cancelled first (a warning), it never fires. */
    InitCtx(&g_Timer);
    due.QuadPart = -10LL * 10000;
    NdisSetTimerObject(timer, due, 0, NULL);
    NdisFreeTimerObject(timer);
    wait.QuadPart = -20LL * 10000;
    KeDelayExecutionThread(KernelMode, FALSE, &wait);
    CHECK(g_Timer.Runs == 0);
    return failures;
}

/* NdisGetProcessorInformation: the machine's processors (one each per package, no SMT); a short Header.Size fails. */
int NTAPI TestNdisProcessorInfo(void)
{
    int failures = 0;
    static NDIS_SYSTEM_PROCESSOR_INFO info;
    UCHAR rss[64];
    ULONG n = NdisSystemProcessorCount(), i;

    RtlZeroMemory(&info, sizeof(info));
    RtlFillMemory(rss, sizeof(rss), 0xEE);
    info.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    info.Header.Revision = 1;
    info.Header.Size = sizeof(info) - 1;
    CHECK(NdisGetProcessorInformation(&info) == NDIS_STATUS_BUFFER_TOO_SHORT);
    CHECK(info.NumCores == 0);
    info.Header.Size = sizeof(info);
    info.RssProcessors = rss;
    CHECK(NdisGetProcessorInformation(&info) == NDIS_STATUS_SUCCESS);
    CHECK(info.ProcessorVendor == NdisProcessorVendorGenuinIntel || info.ProcessorVendor == NdisProcessorVendorAuthenticAMD);
    CHECK(info.NumCores == n && info.NumPhysicalPackages == n && info.NumCoresPerPhysicalPackage == 1);
    CHECK(info.MaxHyperThreadingCpusPerCore == 1 && info.RssBaseCpu == 0 && info.RssCpuCount == n);
    CHECK(info.RssProcessors == rss);
    for (i = 0; i < n; i++) CHECK(rss[i] == i && info.CpuInfo[i].CpuNumber == i && info.CpuInfo[i].PhysicalPackageId == i);
    CHECK(rss[n] == 0xEE);
    return failures;
}

/* NdisFreeTimerObject of a handle NdisAllocateTimerObject never returned (a bug check report). */
int NTAPI FreeUnknownTimer(void)
{
    static UCHAR notATimer[64];
    NdisFreeTimerObject(notATimer);
    return 1;
}

/* NdisAllocateTimerObject with a wild characteristics pointer (a clean invalid-read report). */
int NTAPI WildTimerCharacteristics(void)
{
    NDIS_HANDLE t;
    return NdisAllocateTimerObject(g_Net.MiniportDriver, (NDIS_TIMER_CHARACTERISTICS *)(ULONG_PTR)0x20, &t);
}

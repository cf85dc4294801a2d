/* kmdfpnp: WDFDPC (WdfDpcCreate/Enqueue/Cancel/GetParentObject/WdfDmGetDpc) and WDFLOOKASIDE
   (WdfLookasideListCreate, WdfMemoryCreateFromLookaside) as Microsoft Learn documents them. */
#include "pnpdrv.h"

static LONG DpcRuns;
static LONG DpcWrong;

static VOID NTAPI EvtDpc(WDFDPC Dpc)
{
    if (WdfDpcGetParentObject(Dpc) != KmdfPnpDevice || KeGetCurrentIrql() != DISPATCH_LEVEL) DpcWrong++;
    DpcRuns++;
}

static ULONG CheckDpc(WDFDEVICE Device)
{
    WDF_DPC_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attrs;
    WDFDPC dpc = NULL;
    KIRQL old;
    BOOLEAN first, second, cancelled;
    WDF_DPC_CONFIG_INIT(&config, EvtDpc);
    /* No parent: STATUS_WDF_PARENT_NOT_SPECIFIED. */
    WDF_OBJECT_ATTRIBUTES_INIT(&attrs);
    if (WdfDpcCreate(&config, &attrs, &dpc) != (NTSTATUS)0xC0200212L) return 100;
    /* A parent that is no device (the driver): STATUS_INVALID_DEVICE_REQUEST. */
    attrs.ParentObject = WdfDeviceGetDriver(Device);
    if (WdfDpcCreate(&config, &attrs, &dpc) != STATUS_INVALID_DEVICE_REQUEST) return 101;
    attrs.ParentObject = Device;
    config.Size = 1;
    if (WdfDpcCreate(&config, &attrs, &dpc) != STATUS_INFO_LENGTH_MISMATCH) return 102;
    config.Size = sizeof(config);
    if (WdfDpcCreate(&config, &attrs, &dpc) != STATUS_SUCCESS || dpc == NULL) return 103;
    if (WdfDpcGetParentObject(dpc) != Device || WdfDpcWdmGetDpc(dpc) == NULL) return 104;
    /* At DISPATCH_LEVEL the DPC waits in the queue: queued once, cancelled before it ran. */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    first = WdfDpcEnqueue(dpc);
    second = WdfDpcEnqueue(dpc);
    cancelled = WdfDpcCancel(dpc, FALSE);
    KeLowerIrql(old);
    if (!first || second || !cancelled || DpcRuns != 0) return 105;
    /* At PASSIVE_LEVEL it runs at once, at DISPATCH_LEVEL; then there is nothing left to cancel. */
    if (!WdfDpcEnqueue(dpc) || DpcRuns != 1 || DpcWrong != 0) return 106;
    if (WdfDpcCancel(dpc, TRUE)) return 107;
    return 0;
}

static ULONG CheckLookaside(VOID)
{
    WDFLOOKASIDE list = (WDFLOOKASIDE)1;
    WDFMEMORY a = NULL, b = NULL;
    size_t sa = 0, sb = 0;
    PUCHAR pa, pb;
    if (WdfLookasideListCreate(WDF_NO_OBJECT_ATTRIBUTES, 0, NonPagedPool, WDF_NO_OBJECT_ATTRIBUTES, 'kPdK', &list) != STATUS_INVALID_PARAMETER || list != NULL) return 110;
    if (WdfLookasideListCreate(WDF_NO_OBJECT_ATTRIBUTES, 100, NonPagedPool, WDF_NO_OBJECT_ATTRIBUTES, 'kPdK', &list) != STATUS_SUCCESS || list == NULL) return 111;
    if (WdfMemoryCreateFromLookaside(list, &a) != STATUS_SUCCESS || WdfMemoryCreateFromLookaside(list, &b) != STATUS_SUCCESS || a == b) return 112;
    pa = (PUCHAR)WdfMemoryGetBuffer(a, &sa);
    pb = (PUCHAR)WdfMemoryGetBuffer(b, &sb);
    if (sa != 100 || sb != 100 || pa == pb) return 113;
    /* The list goes first; its buffers stay usable until they are deleted. */
    WdfObjectDelete(list);
    RtlFillMemory(pa, 100, 0xA5);
    RtlFillMemory(pb, 100, 0x5A);
    WdfObjectDelete(a);
    WdfObjectDelete(b);
    return 0;
}

/* WdfInterruptGetInfo of interrupts created in EvtDriverDeviceAdd and never connected (no interrupt
   resource): zeroes, PASSIVE_LEVEL, LevelSensitive, MessageNumber = the index among the device's
   interrupts; a Size of no version copies nothing. */
static WDFINTERRUPT FirstInterrupt;
static BOOLEAN NTAPI InfoIsr(WDFINTERRUPT Interrupt, ULONG MessageID) { UNREFERENCED_PARAMETER(Interrupt); UNREFERENCED_PARAMETER(MessageID); return FALSE; }
static ULONG CheckInterruptInfo(WDFDEVICE Device)
{
    WDF_INTERRUPT_CONFIG c;
    WDFINTERRUPT first = NULL, second = NULL;
    WDF_INTERRUPT_INFO info;
    RtlZeroMemory(&c, sizeof(c));
    c.Size = sizeof(c);
    c.EvtInterruptIsr = InfoIsr;
    if (WdfInterruptCreate(Device, &c, WDF_NO_OBJECT_ATTRIBUTES, &first) != STATUS_SUCCESS || WdfInterruptCreate(Device, &c, WDF_NO_OBJECT_ATTRIBUTES, &second) != STATUS_SUCCESS) return 120;
    RtlFillMemory(&info, sizeof(info), 0xCC);
    info.Size = sizeof(info);
    WdfInterruptGetInfo(second, &info);
    if (info.Size != sizeof(info) || info.MessageNumber != 1 || info.Vector != 0 || info.Irql != PASSIVE_LEVEL || info.Mode != LevelSensitive || info.TargetProcessorSet != 0 || info.Group != 0 || info.MessageSignaled) return 121;
    WdfInterruptGetInfo(first, &info);
    if (info.MessageNumber != 0) return 122;
    FirstInterrupt = first;
    RtlFillMemory(&info, sizeof(info), 0xCC);
    info.Size = 3;
    WdfInterruptGetInfo(first, &info);
    if (info.Size != 3 || info.MessageNumber != 0xCCCCCCCC) return 123;
    return 0;
}

ULONG KmdfPnpCheckDpcLookaside(WDFDEVICE Device)
{
    ULONG check = CheckDpc(Device);
    if (check == 0) check = CheckLookaside();
    return check != 0 ? check : CheckInterruptInfo(Device);
}

/* A NULL Info: a WDF_VIOLATION (the interrupt is the owner device's first). */
VOID NTAPI BadInterruptInfoNull(VOID) { WdfInterruptGetInfo(FirstInterrupt, NULL); }

/* Bad arguments (WDF_VIOLATION): a NULL Lookaside, a NULL Dpc handle for WdfDpcEnqueue. */
VOID NTAPI BadLookasideNull(VOID) { (VOID)WdfLookasideListCreate(WDF_NO_OBJECT_ATTRIBUTES, 8, NonPagedPool, WDF_NO_OBJECT_ATTRIBUTES, 0, NULL); }
VOID NTAPI BadDpcHandle(VOID) { (VOID)WdfDpcEnqueue(KmdfPnpDevice); }

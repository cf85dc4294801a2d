/*
 * The Test* exports for TDI.SYS, ks.sys and WMILIB.SYS: TdiMapUserRequest on private and TDI
 * IOCTLs, the KS pin/filter of IRPs that belong to no KS object, and WMI requests dispatched by
 * WmiSystemControl to this driver's WMILIB_CONTEXT and completed by WmiCompleteRequest.
 */
#include "netmods.h"

typedef struct _IRP_RESULT {
    ULONG Calls;
    NTSTATUS Status;
    ULONG_PTR Information;
} IRP_RESULT;

static NTSTATUS NTAPI IrpDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    IRP_RESULT *r = (IRP_RESULT *)Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    r->Calls++;
    r->Status = Irp->IoStatus.Status;
    r->Information = Irp->IoStatus.Information;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* An IRP_MJ_DEVICE_CONTROL request as the I/O manager would give a TDI driver's dispatch routine. */
static PIRP IoctlIrp(UCHAR major, ULONG code, PIO_STACK_LOCATION *sp)
{
    PIRP irp = IoAllocateIrp(1, FALSE);
    if (!irp) return NULL;
    *sp = IoGetNextIrpStackLocation(irp);
    (*sp)->MajorFunction = major;
    (*sp)->DeviceObject = g_Mods.Device;
    (*sp)->Parameters.DeviceIoControl.IoControlCode = code;
    IoSetNextIrpStackLocation(irp);
    return irp;
}

int NTAPI TestTdi(void)
{
    int failures = 0;
    PIO_STACK_LOCATION sp;
    PIRP irp;

    /* A driver's private IOCTL is not a TDI one. */
    irp = IoctlIrp(IRP_MJ_DEVICE_CONTROL, CTL_CODE(0x8000, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS), &sp);
    CHECK(irp != NULL);
    if (!irp) return failures;
    CHECK(TdiMapUserRequest(g_Mods.Device, irp, sp) == STATUS_NOT_IMPLEMENTED);
    CHECK(sp->MajorFunction == IRP_MJ_DEVICE_CONTROL);
    /* The TDI function code with another device type or method is not one either. */
    sp->Parameters.DeviceIoControl.IoControlCode = CTL_CODE(0x22, 9, METHOD_BUFFERED, FILE_ANY_ACCESS);
    CHECK(TdiMapUserRequest(g_Mods.Device, irp, sp) == STATUS_NOT_IMPLEMENTED);
    sp->Parameters.DeviceIoControl.IoControlCode = CTL_CODE(FILE_DEVICE_TRANSPORT_K, 9, METHOD_NEITHER, FILE_ANY_ACCESS);
    CHECK(TdiMapUserRequest(g_Mods.Device, irp, sp) == STATUS_NOT_IMPLEMENTED);
    /* IOCTL_TDI_SET_EVENT_HANDLER is refused (Learn: STATUS_INVALID_PARAMETER). */
    sp->Parameters.DeviceIoControl.IoControlCode = IOCTL_TDI_SET_EVENT_HANDLER_K;
    CHECK(TdiMapUserRequest(g_Mods.Device, irp, sp) == STATUS_INVALID_PARAMETER);
    /* Only device control requests are mapped. */
    sp->MajorFunction = IRP_MJ_READ;
    CHECK(TdiMapUserRequest(g_Mods.Device, irp, sp) == STATUS_NOT_IMPLEMENTED);
    IoFreeIrp(irp);
    return failures;
}

/* IOCTL_TDI_CONNECT: a conversion kmdll does not model (an emulator-gap report). */
int NTAPI TdiConnectRequest(void)
{
    PIO_STACK_LOCATION sp;
    PIRP irp = IoctlIrp(IRP_MJ_DEVICE_CONTROL, IOCTL_TDI_CONNECT_K, &sp);
    if (!irp) return 1;
    TdiMapUserRequest(g_Mods.Device, irp, sp);
    IoFreeIrp(irp);
    return 2;
}

int NTAPI TestKs(void)
{
    int failures = 0;
    static FILE_OBJECT fo;
    PIO_STACK_LOCATION sp;
    PIRP irp = IoctlIrp(IRP_MJ_DEVICE_CONTROL, 0, &sp);

    CHECK(irp != NULL);
    if (!irp) return failures;
    /* No file object: no KS object. */
    CHECK(KsGetPinFromIrp(irp) == NULL);
    CHECK(KsGetFilterFromIrp(irp) == NULL);
    /* A file object without a KS object header in FsContext: none either. */
    RtlZeroMemory(&fo, sizeof(fo));
    fo.Type = IO_TYPE_FILE;
    fo.Size = sizeof(fo);
    sp->FileObject = &fo;
    CHECK(IoGetCurrentIrpStackLocation(irp) == sp);
    CHECK(KsGetPinFromIrp(irp) == NULL);
    CHECK(KsGetFilterFromIrp(irp) == NULL);
    IoFreeIrp(irp);
    return failures;
}

/* ---- WMI ------------------------------------------------------------------------------------ */

/* {7a3c1e52-4b6d-4f8e-9a0b-1c2d3e4f5a61} and one no block of this driver has */
static const GUID BLOCK_GUID = { 0x7a3c1e52, 0x4b6d, 0x4f8e, { 0x9a, 0x0b, 0x1c, 0x2d, 0x3e, 0x4f, 0x5a, 0x61 } };
static const GUID OTHER_GUID = { 0x7a3c1e52, 0x4b6d, 0x4f8e, { 0x9a, 0x0b, 0x1c, 0x2d, 0x3e, 0x4f, 0x5a, 0x62 } };
#define BLOCK_INSTANCES 2
static WMIGUIDREGINFO g_Guids[] = { { &BLOCK_GUID, BLOCK_INSTANCES, 0 } };
/* Instance 0 has 4 bytes of data, instance 1 twelve. */
static const ULONG InstanceSize[BLOCK_INSTANCES] = { 4, 12 };

static struct {
    ULONG QueryCalls, ControlCalls;
    ULONG GuidIndex, InstanceIndex, InstanceCount, BufferAvail;
    WMIENABLEDISABLECONTROL Function;
    BOOLEAN Enable;
} g_Wmi;

#define ALIGN8(n) (((n) + 7) & ~7u)

static NTSTATUS NTAPI QueryDataBlock(PDEVICE_OBJECT DeviceObject, PIRP Irp, ULONG GuidIndex, ULONG InstanceIndex, ULONG InstanceCount,
                                     PULONG InstanceLengthArray, ULONG BufferAvail, PUCHAR Buffer)
{
    ULONG i, used = 0;
    g_Wmi.QueryCalls++;
    g_Wmi.GuidIndex = GuidIndex;
    g_Wmi.InstanceIndex = InstanceIndex;
    g_Wmi.InstanceCount = InstanceCount;
    g_Wmi.BufferAvail = BufferAvail;
    /* Each instance's data starts 8-byte aligned (Learn: DpWmiQueryDataBlock). */
    for (i = 0; i < InstanceCount; i++) used = ALIGN8(used) + InstanceSize[InstanceIndex + i];
    if (used > BufferAvail) return WmiCompleteRequest(DeviceObject, Irp, STATUS_BUFFER_TOO_SMALL, used, IO_NO_INCREMENT);
    used = 0;
    for (i = 0; i < InstanceCount; i++) {
        used = ALIGN8(used);
        RtlFillMemory(Buffer + used, InstanceSize[InstanceIndex + i], (UCHAR)(0xa0 + InstanceIndex + i));
        InstanceLengthArray[i] = InstanceSize[InstanceIndex + i];
        used += InstanceSize[InstanceIndex + i];
    }
    return WmiCompleteRequest(DeviceObject, Irp, STATUS_SUCCESS, used, IO_NO_INCREMENT);
}

static NTSTATUS NTAPI FunctionControl(PDEVICE_OBJECT DeviceObject, PIRP Irp, ULONG GuidIndex, WMIENABLEDISABLECONTROL Function, BOOLEAN Enable)
{
    g_Wmi.ControlCalls++;
    g_Wmi.GuidIndex = GuidIndex;
    g_Wmi.Function = Function;
    g_Wmi.Enable = Enable;
    return WmiCompleteRequest(DeviceObject, Irp, STATUS_SUCCESS, 0, IO_NO_INCREMENT);
}

static WMILIB_CONTEXT g_WmiLib = { 1, g_Guids, NULL, QueryDataBlock, NULL, NULL, NULL, FunctionControl };

/* Sends one IRP_MJ_SYSTEM_CONTROL request through WmiSystemControl, as the driver's dispatch routine would. */
static NTSTATUS SendWmi(UCHAR minor, PDEVICE_OBJECT provider, const GUID *guid, ULONG size, PVOID buffer, IRP_RESULT *r, SYSCTL_IRP_DISPOSITION *disposition)
{
    NTSTATUS status;
    PIO_STACK_LOCATION sp;
    PIRP irp = IoAllocateIrp(1, FALSE);
    if (!irp) return STATUS_INSUFFICIENT_RESOURCES;
    sp = IoGetNextIrpStackLocation(irp);
    sp->MajorFunction = IRP_MJ_SYSTEM_CONTROL;
    sp->MinorFunction = minor;
    sp->DeviceObject = g_Mods.Device;
    sp->Parameters.WMI.ProviderId = (ULONG_PTR)provider;
    sp->Parameters.WMI.DataPath = (PVOID)guid;
    sp->Parameters.WMI.BufferSize = size;
    sp->Parameters.WMI.Buffer = buffer;
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    RtlZeroMemory(r, sizeof(*r));
    IoSetCompletionRoutine(irp, IrpDone, r, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    *disposition = (SYSCTL_IRP_DISPOSITION)-1;
    status = WmiSystemControl(&g_WmiLib, g_Mods.Device, irp, disposition);
    IoFreeIrp(irp);
    return status;
}

static void AllDataHeader(PWNODE_ALL_DATA w, ULONG size)
{
    RtlZeroMemory(w, size);
    w->WnodeHeader.BufferSize = size;
    w->WnodeHeader.Guid = BLOCK_GUID;
    w->WnodeHeader.Flags = WNODE_FLAG_ALL_DATA;
}

int NTAPI TestWmi(void)
{
    int failures = 0;
    static UCHAR buffer[256];
    PWNODE_ALL_DATA all = (PWNODE_ALL_DATA)buffer;
    PWNODE_SINGLE_INSTANCE single = (PWNODE_SINGLE_INSTANCE)buffer;
    PWNODE_TOO_SMALL small = (PWNODE_TOO_SMALL)buffer;
    SYSCTL_IRP_DISPOSITION disposition;
    IRP_RESULT r;
    PVOID event;
    ULONG dataOffset = ALIGN8(FIELD_OFFSET(WNODE_ALL_DATA, OffsetInstanceDataAndLength) + BLOCK_INSTANCES * sizeof(OFFSETINSTANCEDATAANDLENGTH));
    ULONG i, expectedSize = dataOffset + ALIGN8(InstanceSize[0]) + InstanceSize[1];

    /* IRP_MN_QUERY_ALL_DATA: both instances, each 8-byte aligned, offsets and lengths filled in. */
    RtlZeroMemory(&g_Wmi, sizeof(g_Wmi));
    AllDataHeader(all, sizeof(buffer));
    CHECK(SendWmi(IRP_MN_QUERY_ALL_DATA, g_Mods.Device, &BLOCK_GUID, sizeof(buffer), buffer, &r, &disposition) == STATUS_SUCCESS);
    CHECK(disposition == IrpProcessed);
    CHECK(g_Wmi.QueryCalls == 1 && g_Wmi.GuidIndex == 0 && g_Wmi.InstanceIndex == 0 && g_Wmi.InstanceCount == BLOCK_INSTANCES);
    CHECK(g_Wmi.BufferAvail == sizeof(buffer) - dataOffset);
    CHECK(r.Calls == 1 && r.Status == STATUS_SUCCESS && r.Information == expectedSize);
    CHECK(all->WnodeHeader.BufferSize == expectedSize);
    CHECK(all->DataBlockOffset == dataOffset);
    CHECK(all->InstanceCount == BLOCK_INSTANCES);
    for (i = 0; i < BLOCK_INSTANCES; i++) {
        CHECK(all->OffsetInstanceDataAndLength[i].LengthInstanceData == InstanceSize[i]);
        CHECK(all->OffsetInstanceDataAndLength[i].OffsetInstanceData % 8 == 0);
        CHECK(buffer[all->OffsetInstanceDataAndLength[i].OffsetInstanceData] == 0xa0 + i);
        CHECK(buffer[all->OffsetInstanceDataAndLength[i].OffsetInstanceData + InstanceSize[i] - 1] == 0xa0 + i);
    }
    CHECK(all->OffsetInstanceDataAndLength[0].OffsetInstanceData == dataOffset);

    /* Too small a buffer: the driver says how much it needs, WMILIB answers with a WNODE_TOO_SMALL. */
    AllDataHeader(all, dataOffset + 8);
    CHECK(SendWmi(IRP_MN_QUERY_ALL_DATA, g_Mods.Device, &BLOCK_GUID, dataOffset + 8, buffer, &r, &disposition) == STATUS_SUCCESS);
    CHECK(r.Calls == 1 && r.Status == STATUS_SUCCESS && r.Information == sizeof(WNODE_TOO_SMALL));
    CHECK((small->WnodeHeader.Flags & WNODE_FLAG_TOO_SMALL) != 0);
    CHECK(small->WnodeHeader.BufferSize == sizeof(WNODE_TOO_SMALL));
    CHECK(small->SizeNeeded == expectedSize);

    /* IRP_MN_QUERY_SINGLE_INSTANCE by index (static instance names). */
    RtlZeroMemory(buffer, sizeof(buffer));
    single->WnodeHeader.BufferSize = sizeof(buffer);
    single->WnodeHeader.Guid = BLOCK_GUID;
    single->WnodeHeader.Flags = WNODE_FLAG_SINGLE_INSTANCE | WNODE_FLAG_STATIC_INSTANCE_NAMES;
    single->InstanceIndex = 1;
    single->DataBlockOffset = sizeof(WNODE_SINGLE_INSTANCE);
    g_Wmi.QueryCalls = 0;
    CHECK(SendWmi(IRP_MN_QUERY_SINGLE_INSTANCE, g_Mods.Device, &BLOCK_GUID, sizeof(buffer), buffer, &r, &disposition) == STATUS_SUCCESS);
    CHECK(g_Wmi.QueryCalls == 1 && g_Wmi.InstanceIndex == 1 && g_Wmi.InstanceCount == 1);
    CHECK(r.Calls == 1 && r.Status == STATUS_SUCCESS && r.Information == sizeof(WNODE_SINGLE_INSTANCE) + InstanceSize[1]);
    CHECK(single->SizeDataBlock == InstanceSize[1]);
    CHECK(single->WnodeHeader.BufferSize == sizeof(WNODE_SINGLE_INSTANCE) + InstanceSize[1]);
    CHECK(buffer[sizeof(WNODE_SINGLE_INSTANCE)] == 0xa1);
    single->InstanceIndex = BLOCK_INSTANCES;
    CHECK(SendWmi(IRP_MN_QUERY_SINGLE_INSTANCE, g_Mods.Device, &BLOCK_GUID, sizeof(buffer), buffer, &r, &disposition) == STATUS_WMI_INSTANCE_NOT_FOUND);
    CHECK(r.Calls == 1 && r.Status == STATUS_WMI_INSTANCE_NOT_FOUND && g_Wmi.QueryCalls == 1);

    /* A block this driver does not have. */
    AllDataHeader(all, sizeof(buffer));
    CHECK(SendWmi(IRP_MN_QUERY_ALL_DATA, g_Mods.Device, &OTHER_GUID, sizeof(buffer), buffer, &r, &disposition) == STATUS_WMI_GUID_NOT_FOUND);
    CHECK(disposition == IrpProcessed && r.Calls == 1 && r.Status == STATUS_WMI_GUID_NOT_FOUND);

    /* Events: WmiFunctionControl with WmiEventControl. */
    CHECK(SendWmi(IRP_MN_ENABLE_EVENTS, g_Mods.Device, &BLOCK_GUID, 0, NULL, &r, &disposition) == STATUS_SUCCESS);
    CHECK(g_Wmi.ControlCalls == 1 && g_Wmi.Function == WmiEventControl && g_Wmi.Enable == TRUE && r.Calls == 1);
    CHECK(SendWmi(IRP_MN_DISABLE_COLLECTION, g_Mods.Device, &BLOCK_GUID, 0, NULL, &r, &disposition) == STATUS_SUCCESS);
    CHECK(g_Wmi.ControlCalls == 2 && g_Wmi.Function == WmiDataBlockControl && g_Wmi.Enable == FALSE);

    /* Another device's request is forwarded, a non-WMI minor function left alone: neither completed. */
    CHECK(SendWmi(IRP_MN_QUERY_ALL_DATA, (PDEVICE_OBJECT)&g_Mods, &BLOCK_GUID, sizeof(buffer), buffer, &r, &disposition) == STATUS_NOT_SUPPORTED);
    CHECK(disposition == IrpForward && r.Calls == 0);
    CHECK(SendWmi(0x20, g_Mods.Device, &BLOCK_GUID, 0, NULL, &r, &disposition) == STATUS_NOT_SUPPORTED);
    CHECK(disposition == IrpNotWmi && r.Calls == 0);

    /* WmiFireEvent takes the event data (and frees it: no leak at unload). */
    event = ExAllocatePoolWithTag(NonPagedPool, 16, NETMODS_TAG);
    CHECK(event != NULL);
    if (event) {
        RtlFillMemory(event, 16, 0x11);
        CHECK(WmiFireEvent(g_Mods.Device, &BLOCK_GUID, 0, 16, event) == STATUS_SUCCESS);
    }
    CHECK(WmiFireEvent(g_Mods.Device, &BLOCK_GUID, 0, 0, NULL) == STATUS_SUCCESS);
    return failures;
}

/* WmiSystemControl with a wild WMILIB_CONTEXT pointer: a clean invalid-read report. */
int NTAPI WildWmiLibInfo(void)
{
    SYSCTL_IRP_DISPOSITION disposition;
    PIO_STACK_LOCATION sp;
    NTSTATUS status;
    PIRP irp = IoAllocateIrp(1, FALSE);
    if (!irp) return 1;
    sp = IoGetNextIrpStackLocation(irp);
    sp->MajorFunction = IRP_MJ_SYSTEM_CONTROL;
    sp->MinorFunction = IRP_MN_QUERY_ALL_DATA;
    sp->Parameters.WMI.ProviderId = (ULONG_PTR)g_Mods.Device;
    sp->Parameters.WMI.DataPath = (PVOID)&BLOCK_GUID;
    IoSetNextIrpStackLocation(irp);
    status = WmiSystemControl((PWMILIB_CONTEXT)(ULONG_PTR)0x20, g_Mods.Device, irp, &disposition);
    IoFreeIrp(irp);
    return (int)status;
}

/* KsGetPinFromIrp with a wild IRP pointer: a clean invalid-read report. */
int NTAPI WildKsIrp(void)
{
    return KsGetPinFromIrp((PIRP)(ULONG_PTR)0x30) != NULL;
}

/*
 * TestNdisDevice: a miniport's control device (Microsoft Learn: NdisRegisterDeviceEx,
 * NdisDeregisterDeviceEx, NdisGetDeviceReservedExtension, NDIS_DEVICE_OBJECT_ATTRIBUTES — the
 * structure below is written from that page; NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES is 0x85).
 * Broadcom / D-Link / Realtek NDIS 6 miniports of the held-out set fresh4 register one from
 * DriverEntry. NDIS owns the miniport's driver object, so the IRPs sent to the device reach the
 * MajorFunctions the attributes give; a major code without an entry is an invalid request.
 */
#include "netndis.h"

#define NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES 0x85
#define NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 1
typedef struct _NDIS_DEVICE_OBJECT_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    PUNICODE_STRING DeviceName;
    PUNICODE_STRING SymbolicName;
    PDRIVER_DISPATCH *MajorFunctions;
    ULONG ExtensionSize;
    PCUNICODE_STRING DefaultSDDLString;
    LPCGUID DeviceClassGuid;
} NDIS_DEVICE_OBJECT_ATTRIBUTES;
#define NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 (FIELD_OFFSET(NDIS_DEVICE_OBJECT_ATTRIBUTES, DeviceClassGuid) + sizeof(LPCGUID))

__declspec(dllimport) NDIS_STATUS NTAPI NdisRegisterDeviceEx(NDIS_HANDLE NdisHandle, NDIS_DEVICE_OBJECT_ATTRIBUTES *DeviceObjectAttributes, PDEVICE_OBJECT *pDeviceObject, NDIS_HANDLE *NdisDeviceHandle);
__declspec(dllimport) VOID NTAPI NdisDeregisterDeviceEx(NDIS_HANDLE NdisDeviceHandle);
__declspec(dllimport) PVOID NTAPI NdisGetDeviceReservedExtension(PDEVICE_OBJECT DeviceObject);

#define IOCTL_NETNDIS_PING CTL_CODE(FILE_DEVICE_NETWORK, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
static ULONG g_DeviceCalls;

static NTSTATUS NTAPI DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS st = sl->Parameters.DeviceIoControl.IoControlCode == IOCTL_NETNDIS_PING ? STATUS_SUCCESS : STATUS_INVALID_DEVICE_REQUEST;
    UNREFERENCED_PARAMETER(DeviceObject);
    g_DeviceCalls++;
    Irp->IoStatus.Status = st;
    Irp->IoStatus.Information = 0x1234;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return st;
}

static NTSTATUS Send(PDEVICE_OBJECT dev, ULONG major, ULONG_PTR *info)
{
    KEVENT ev;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    NTSTATUS st;
    KeInitializeEvent(&ev, NotificationEvent, FALSE);
    if (major == IRP_MJ_DEVICE_CONTROL) irp = IoBuildDeviceIoControlRequest(IOCTL_NETNDIS_PING, dev, NULL, 0, NULL, 0, FALSE, &ev, &iosb);
    else irp = IoBuildSynchronousFsdRequest(major, dev, NULL, 0, NULL, &ev, &iosb);
    if (irp == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    st = IoCallDriver(dev, irp);
    if (st == STATUS_PENDING) {
        KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, NULL);
        st = iosb.Status;
    }
    *info = iosb.Information;
    return st;
}

__declspec(dllexport) ULONG TestNdisDevice(void)
{
    ULONG failures = 0;
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\NetNdisCtl");
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\NetNdisCtl");
    PDRIVER_DISPATCH majors[IRP_MJ_MAXIMUM_FUNCTION + 1] = { 0 };
    NDIS_DEVICE_OBJECT_ATTRIBUTES a;
    PDEVICE_OBJECT dev = NULL, dev2 = NULL;
    NDIS_HANDLE h = NULL, h2 = NULL;
    PUCHAR ext;
    ULONG_PTR info = 0;
    ULONG i;

    CHECK(sizeof(NDIS_DEVICE_OBJECT_ATTRIBUTES) == (sizeof(PVOID) == 8 ? 56 : 28));
    CHECK(g_Net.MiniportDriver != NULL);
    majors[IRP_MJ_DEVICE_CONTROL] = DeviceControl;
    RtlZeroMemory(&a, sizeof(a));
    a.Header.Type = NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES;
    a.Header.Revision = NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1;
    a.Header.Size = NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1;
    a.DeviceName = &name;
    a.SymbolicName = &link;
    a.MajorFunctions = majors;
    a.ExtensionSize = 24;

    /* A header of another type is refused, nothing created. */
    a.Header.Type = 0x80;
    CHECK(NdisRegisterDeviceEx(g_Net.MiniportDriver, &a, &dev, &h) == STATUS_INVALID_PARAMETER);
    CHECK(dev == NULL && h == NULL);
    a.Header.Type = NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES;

    CHECK(NdisRegisterDeviceEx(g_Net.MiniportDriver, &a, &dev, &h) == NDIS_STATUS_SUCCESS);
    CHECK(dev != NULL && h != NULL);
    if (dev == NULL || h == NULL) return failures;
    CHECK(dev->DriverObject == g_Net.Driver);
    CHECK(dev->DeviceType == FILE_DEVICE_NETWORK);
    ext = NdisGetDeviceReservedExtension(dev);
    CHECK(ext != NULL && ext == dev->DeviceExtension);
    for (i = 0; ext != NULL && i < 24; i++) CHECK(ext[i] == 0);

    /* The same name again: a collision, nothing created. */
    CHECK(NdisRegisterDeviceEx(g_Net.MiniportDriver, &a, &dev2, &h2) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(dev2 == NULL && h2 == NULL);

    /* NDIS's dispatch routine sends the device's IRPs to our table: IOCTL → DeviceControl; a major without an entry is invalid. */
    CHECK(g_Net.Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] != DeviceControl);
    CHECK(Send(dev, IRP_MJ_DEVICE_CONTROL, &info) == STATUS_SUCCESS);
    CHECK(info == 0x1234);
    CHECK(g_DeviceCalls == 1);
    CHECK(Send(dev, IRP_MJ_FLUSH_BUFFERS, &info) == STATUS_INVALID_DEVICE_REQUEST);
    CHECK(g_DeviceCalls == 1);

    NdisDeregisterDeviceEx(h);
    /* Deregistered: the name is free again. */
    CHECK(NdisRegisterDeviceEx(g_Net.MiniportDriver, &a, &dev2, &h2) == NDIS_STATUS_SUCCESS);
    if (h2 != NULL) NdisDeregisterDeviceEx(h2);
    return failures;
}

/*
 * TestNdisWorkItem: NDIS 6 I/O work items (Learn: NdisAllocateIoWorkItem, NdisQueueIoWorkItem,
 * NdisFreeIoWorkItem, NDIS_IO_WORKITEM_FUNCTION) on the miniport driver handle, as Marvell's
 * yk62x64l.sys allocates one in DriverEntry: the routine runs later, at PASSIVE_LEVEL, with the
 * context and the item's handle; an item can be queued again once it ran; freeing a queued item runs it first.
 */
typedef VOID (NTAPI *NDIS_IO_WORKITEM_FUNCTION)(PVOID WorkItemContext, NDIS_HANDLE NdisIoWorkItemHandle);
__declspec(dllimport) NDIS_HANDLE NTAPI NdisAllocateIoWorkItem(NDIS_HANDLE NdisObjectHandle);
__declspec(dllimport) VOID NTAPI NdisQueueIoWorkItem(NDIS_HANDLE NdisIoWorkItemHandle, NDIS_IO_WORKITEM_FUNCTION Routine, PVOID WorkItemContext);
__declspec(dllimport) VOID NTAPI NdisFreeIoWorkItem(NDIS_HANDLE NdisIoWorkItemHandle);

typedef struct _WORK_CTX {
    KEVENT Done;
    ULONG Runs;
    NDIS_HANDLE Seen;
    KIRQL Irql;
} WORK_CTX;

static VOID NTAPI WorkRoutine(PVOID Context, NDIS_HANDLE Item)
{
    WORK_CTX *w = (WORK_CTX *)Context;
    w->Runs++;
    w->Seen = Item;
    w->Irql = KeGetCurrentIrql();
    KeSetEvent(&w->Done, IO_NO_INCREMENT, FALSE);
}

__declspec(dllexport) ULONG TestNdisWorkItem(void)
{
    ULONG failures = 0;
    static WORK_CTX w;
    LARGE_INTEGER timeout;
    NDIS_HANDLE item = NdisAllocateIoWorkItem(g_Net.MiniportDriver);
    CHECK(item != NULL);
    if (item == NULL) return failures;
    RtlZeroMemory(&w, sizeof(w));
    w.Irql = 0xFF;
    KeInitializeEvent(&w.Done, NotificationEvent, FALSE);
    NdisQueueIoWorkItem(item, WorkRoutine, &w);
    CHECK(w.Runs == 0); /* not run inline */
    timeout.QuadPart = -10LL * 1000 * 1000; /* 1 s */
    CHECK(KeWaitForSingleObject(&w.Done, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS);
    CHECK(w.Runs == 1 && w.Seen == item && w.Irql == PASSIVE_LEVEL);
    /* Queued again after it ran, then freed while queued: it runs before the free. */
    KeClearEvent(&w.Done);
    NdisQueueIoWorkItem(item, WorkRoutine, &w);
    NdisFreeIoWorkItem(item);
    CHECK(w.Runs == 2);
    return failures;
}

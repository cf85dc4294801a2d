/*
 * legacy.sys - DriverEntry: claim, report, attach (see legacy.h).
 */
#include "legacy.h"

UNICODE_STRING LegacyLinkName = RTL_CONSTANT_STRING(L"\\DosDevices\\LegacyBus");
static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(L"\\Device\\LegacyBus");

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD LegacyUnload;

/* One full descriptor: the ports and the IRQ the card decodes (raw form). */
static PCM_RESOURCE_LIST
LegacyResources(VOID)
{
    ULONG size = sizeof(CM_RESOURCE_LIST) + sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR);
    PCM_RESOURCE_LIST list = ExAllocatePoolWithTag(PagedPool, size, LEGACY_TAG);
    PCM_PARTIAL_RESOURCE_DESCRIPTOR d;

    if (list == NULL)
        return NULL;
    RtlZeroMemory(list, size);
    list->Count = 1;
    list->List[0].InterfaceType = Isa;
    list->List[0].PartialResourceList.Version = 1;
    list->List[0].PartialResourceList.Revision = 1;
    list->List[0].PartialResourceList.Count = 2;
    d = &list->List[0].PartialResourceList.PartialDescriptors[0];
    d[0].Type = CmResourceTypePort;
    d[0].ShareDisposition = CmResourceShareDeviceExclusive;
    d[0].Flags = CM_RESOURCE_PORT_IO;
    d[0].u.Port.Start.QuadPart = LEGACY_PORT_BASE;
    d[0].u.Port.Length = LEGACY_PORT_COUNT;
    d[1].Type = CmResourceTypeInterrupt;
    d[1].ShareDisposition = CmResourceShareDeviceExclusive;
    d[1].u.Interrupt.Level = LEGACY_IRQ;
    d[1].u.Interrupt.Vector = LEGACY_IRQ;
    d[1].u.Interrupt.Affinity = 1;
    return list;
}

VOID
LegacyUnload(PDRIVER_OBJECT DriverObject)
{
    BOOLEAN conflict;

    /* Both lists NULL: the claim is released. */
    IoReportResourceForDetection(DriverObject, NULL, 0, NULL, NULL, 0, &conflict);
    LEGACY_TRACE("unloaded%s", "");
}

NTSTATUS
DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PCM_RESOURCE_LIST res;
    PDEVICE_OBJECT pdo = NULL, fdo = NULL;
    PLEGACY_EXTENSION ext;
    BOOLEAN conflict = FALSE;
    NTSTATUS status;
    ULONG i;

    UNREFERENCED_PARAMETER(RegistryPath);
    for (i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = LegacyDispatchPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = LegacyDispatchPower;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = LegacyDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = LegacyDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = LegacyDispatchIoctl;
    DriverObject->DriverUnload = LegacyUnload;

    res = LegacyResources();
    if (res == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;

    /* Claim before probing: another driver may own the ports. */
    status = IoReportResourceForDetection(DriverObject, res, sizeof(CM_RESOURCE_LIST) + sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR), NULL, NULL, 0, &conflict);
    if (!NT_SUCCESS(status) || conflict) {
        LEGACY_TRACE("ports 0x%x claimed by another driver (0x%08x, conflict %u)", LEGACY_PORT_BASE, status, conflict);
        ExFreePoolWithTag(res, LEGACY_TAG);
        return NT_SUCCESS(status) ? STATUS_CONFLICTING_ADDRESSES : status;
    }

    status = IoReportDetectedDevice(DriverObject, InterfaceTypeUndefined, (ULONG)-1, (ULONG)-1, res, NULL, TRUE, &pdo);
    ExFreePoolWithTag(res, LEGACY_TAG);
    if (!NT_SUCCESS(status)) {
        LEGACY_TRACE("IoReportDetectedDevice failed 0x%08x", status);
        goto release;
    }

    status = IoCreateDevice(DriverObject, sizeof(LEGACY_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        goto release;
    ext = (PLEGACY_EXTENSION)fdo->DeviceExtension;
    RtlZeroMemory(ext, sizeof(*ext));
    ext->Self = fdo;
    ext->Pdo = pdo;
    ext->Lower = IoAttachDeviceToDeviceStack(fdo, pdo);
    if (ext->Lower == NULL) {
        IoDeleteDevice(fdo);
        status = STATUS_NO_SUCH_DEVICE;
        goto release;
    }
    status = IoCreateSymbolicLink(&LegacyLinkName, &DeviceName);
    if (!NT_SUCCESS(status)) {
        IoDetachDevice(ext->Lower);
        IoDeleteDevice(fdo);
        goto release;
    }
    fdo->Flags |= DO_BUFFERED_IO;
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    IoInvalidateDeviceRelations(pdo, BusRelations);
    LEGACY_TRACE("reported, FDO %p attached", fdo);
    return STATUS_SUCCESS;

release:
    IoReportResourceForDetection(DriverObject, NULL, 0, NULL, NULL, 0, &conflict);
    return status;
}

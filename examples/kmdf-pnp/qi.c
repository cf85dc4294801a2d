/* kmdfpnp: an interface exposed with WdfDeviceAddQueryInterface and what IRP_MN_QUERY_INTERFACE returns. */
#include <initguid.h>
#include "pnpdrv.h"

/* {5b1c2d3e-4f60-4a7b-8c9d-0e1f2a3b4c5d} */
DEFINE_GUID(GUID_KMDFPNP_INTERFACE, 0x5b1c2d3e, 0x4f60, 0x4a7b, 0x8c, 0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d);
/* {5b1c2d3e-4f60-4a7b-8c9d-0e1f2a3b4c5e}: registered by nobody */
DEFINE_GUID(GUID_KMDFPNP_UNKNOWN, 0x5b1c2d3e, 0x4f60, 0x4a7b, 0x8c, 0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5e);

typedef struct _KMDFPNP_INTERFACE {
    INTERFACE Header;
    ULONG Magic;
} KMDFPNP_INTERFACE;

static LONG References, Requests;
static VOID NTAPI InterfaceReference(PVOID Context) { UNREFERENCED_PARAMETER(Context); References++; }
static NTSTATUS NTAPI ProcessQueryInterface(WDFDEVICE Device, LPGUID InterfaceType, PINTERFACE ExposedInterface, PVOID SpecificData)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(InterfaceType);
    UNREFERENCED_PARAMETER(SpecificData);
    Requests++;
    /* The framework copied the interface in before calling this. */
    return ((KMDFPNP_INTERFACE *)ExposedInterface)->Magic == 0x1234 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

/* In EvtDriverDeviceAdd: the framework's checks, then the interface (it keeps its own copy). */
ULONG KmdfPnpAddInterface(WDFDEVICE Device)
{
    KMDFPNP_INTERFACE iface;
    WDF_QUERY_INTERFACE_CONFIG config;
    RtlZeroMemory(&iface, sizeof(iface));
    iface.Header.Size = sizeof(iface);
    iface.Header.Version = 1;
    iface.Header.Context = Device;
    iface.Header.InterfaceReference = InterfaceReference;
    iface.Magic = 0x1234;
    WDF_QUERY_INTERFACE_CONFIG_INIT(&config, (PINTERFACE)&iface, &GUID_KMDFPNP_INTERFACE, ProcessQueryInterface);
    config.Size = 8;
    if (WdfDeviceAddQueryInterface(Device, &config) != STATUS_INFO_LENGTH_MISMATCH) return 30;
    config.Size = sizeof(config);
    config.SendQueryToParentStack = TRUE; /* only a PDO may */
    if (WdfDeviceAddQueryInterface(Device, &config) != STATUS_INVALID_PARAMETER) return 31;
    config.SendQueryToParentStack = FALSE;
    config.Interface = NULL; /* nothing to copy and not imported */
    if (WdfDeviceAddQueryInterface(Device, &config) != STATUS_INVALID_PARAMETER) return 32;
    config.Interface = (PINTERFACE)&iface;
    config.ImportInterface = TRUE;
    config.EvtDeviceProcessQueryInterfaceRequest = NULL; /* importing needs the callback */
    if (WdfDeviceAddQueryInterface(Device, &config) != STATUS_INVALID_PARAMETER) return 33;
    config.ImportInterface = FALSE;
    config.EvtDeviceProcessQueryInterfaceRequest = ProcessQueryInterface;
    iface.Header.Size = sizeof(INTERFACE) - 1;
    if (WdfDeviceAddQueryInterface(Device, &config) != STATUS_INVALID_PARAMETER) return 34;
    iface.Header.Size = sizeof(iface);
    if (WdfDeviceAddQueryInterface(Device, &config) != STATUS_SUCCESS) return 35;
    iface.Magic = 0; /* the framework's copy is what requesters get */
    return 0;
}

static NTSTATUS QueryInterface(WDFDEVICE Device, CONST GUID *Type, KMDFPNP_INTERFACE *Out, USHORT Size)
{
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIO_STACK_LOCATION sl;
    NTSTATUS status;
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(WdfDeviceWdmGetDeviceObject(Device));
    PIRP irp;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, top, NULL, 0, NULL, &event, &iosb);
    if (irp == NULL) {
        ObDereferenceObject(top);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    sl = IoGetNextIrpStackLocation(irp);
    sl->MinorFunction = IRP_MN_QUERY_INTERFACE;
    sl->Parameters.QueryInterface.InterfaceType = Type;
    sl->Parameters.QueryInterface.Size = Size;
    sl->Parameters.QueryInterface.Version = 1;
    sl->Parameters.QueryInterface.Interface = (PINTERFACE)Out;
    sl->Parameters.QueryInterface.InterfaceSpecificData = NULL;
    status = IoCallDriver(top, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    ObDereferenceObject(top);
    return status;
}

/* Once started: the interface as a requester on the stack gets it. */
ULONG KmdfPnpCheckInterface(WDFDEVICE Device)
{
    KMDFPNP_INTERFACE got;
    RtlZeroMemory(&got, sizeof(got));
    if (QueryInterface(Device, &GUID_KMDFPNP_INTERFACE, &got, sizeof(got)) != STATUS_SUCCESS) return 40;
    if (got.Magic != 0x1234 || got.Header.Context != Device || got.Header.InterfaceDereference == NULL) return 41;
    if (References != 1 || Requests != 1) return 42;
    got.Header.InterfaceDereference(got.Header.Context); /* the framework's no-op: the driver gave none */
    /* A requester's buffer smaller than the interface. */
    if (QueryInterface(Device, &GUID_KMDFPNP_INTERFACE, &got, sizeof(INTERFACE)) != (NTSTATUS)0xC0000206L) return 43;
    /* Nobody answers this one: the root bus leaves STATUS_NOT_SUPPORTED. */
    if (QueryInterface(Device, &GUID_KMDFPNP_UNKNOWN, &got, sizeof(got)) != STATUS_NOT_SUPPORTED) return 44;
    if (References != 1 || Requests != 1) return 45;
    return 0;
}

/* A NULL InterfaceConfig: a WDF_VIOLATION. */
VOID NTAPI BadQueryInterfaceNull(VOID) { WdfDeviceAddQueryInterface(KmdfPnpDevice, NULL); }

/*
 * The Test* exports for NETIO.SYS and NDIS's filter routines: Winsock Kernel registration and a
 * connect on a machine with no network, the IP helper tables and notifications, filter driver
 * registration rules and generic objects. Each returns the number of failed checks; the
 * wild-argument exports end in a clean emulator report instead of returning.
 */
#include "netmods.h"

void NetModsFilterCharacteristics(NDIS_FILTER_DRIVER_CHARACTERISTICS *c);

static const WSK_CLIENT_DISPATCH WskV1 = { MAKE_WSK_VERSION(1, 0), 0, NULL };
static const WSK_CLIENT_DISPATCH WskV2 = { MAKE_WSK_VERSION(2, 0), 0, NULL };

typedef struct _IRP_RESULT {
    ULONG Calls;
    NTSTATUS Status;
    ULONG_PTR Information;
} IRP_RESULT;

/* The client's completion routine: records the result and keeps the IRP (it frees it). */
static NTSTATUS NTAPI IrpDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    IRP_RESULT *r = (IRP_RESULT *)Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    r->Calls++;
    r->Status = Irp->IoStatus.Status;
    r->Information = Irp->IoStatus.Information;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

int NTAPI TestNdisFilter(void)
{
    int failures = 0;
    NDIS_FILTER_DRIVER_CHARACTERISTICS c;
    NDIS_HANDLE h = NULL;
    PNDIS_GENERIC_OBJECT obj;
    PUCHAR extra;
    int i, zero = 1;

    /* DriverEntry registered the filter driver. */
    CHECK(g_Mods.FilterDriver != NULL);
    /* Header, version and mandatory handler rules (Learn: NDIS_FILTER_DRIVER_CHARACTERISTICS). */
    NetModsFilterCharacteristics(&c);
    c.Header.Type = 0x8A;
    CHECK(NdisFRegisterFilterDriver(g_Mods.Driver, NULL, &c, &h) == NDIS_STATUS_BAD_CHARACTERISTICS);
    NetModsFilterCharacteristics(&c);
    c.Header.Revision = 0;
    CHECK(NdisFRegisterFilterDriver(g_Mods.Driver, NULL, &c, &h) == NDIS_STATUS_BAD_CHARACTERISTICS);
    NetModsFilterCharacteristics(&c);
    c.Header.Revision = NDIS_FILTER_CHARACTERISTICS_REVISION_2;
    CHECK(NdisFRegisterFilterDriver(g_Mods.Driver, NULL, &c, &h) == NDIS_STATUS_BAD_CHARACTERISTICS);
    c.Header.Size = NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2;
    c.AttachHandler = NULL;
    CHECK(NdisFRegisterFilterDriver(g_Mods.Driver, NULL, &c, &h) == NDIS_STATUS_BAD_CHARACTERISTICS);
    NetModsFilterCharacteristics(&c);
    c.MajorNdisVersion = 5;
    CHECK(NdisFRegisterFilterDriver(g_Mods.Driver, NULL, &c, &h) == NDIS_STATUS_BAD_VERSION);
    c.MajorNdisVersion = 6;
    c.MinorNdisVersion = 99;
    CHECK(NdisFRegisterFilterDriver(g_Mods.Driver, NULL, &c, &h) == NDIS_STATUS_BAD_VERSION);
    CHECK(h == NULL);
    /* A second registration (revision 2, NDIS 6.30) succeeds with its own handle. */
    NetModsFilterCharacteristics(&c);
    c.Header.Revision = NDIS_FILTER_CHARACTERISTICS_REVISION_2;
    c.Header.Size = NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2;
    CHECK(NdisFRegisterFilterDriver(g_Mods.Driver, NULL, &c, &h) == NDIS_STATUS_SUCCESS);
    CHECK(h != NULL && h != g_Mods.FilterDriver);
    if (h) NdisFDeregisterFilterDriver(h);

    /* Generic objects: the structure, then Size bytes for the caller, zeroed. */
    obj = NdisAllocateGenericObject(g_Mods.Driver, NETMODS_TAG, 24);
    CHECK(obj != NULL);
    if (obj) {
        CHECK(obj->DriverObject == g_Mods.Driver);
        CHECK(obj->Header.Size == sizeof(NDIS_GENERIC_OBJECT));
        extra = (PUCHAR)obj + sizeof(NDIS_GENERIC_OBJECT);
        for (i = 0; i < 24; i++) if (extra[i] != 0) zero = 0;
        CHECK(zero);
        RtlFillMemory(extra, 24, 0x5a);
        NdisFreeGenericObject(obj);
    }
    obj = NdisAllocateGenericObject(NULL, NETMODS_TAG, 0);
    CHECK(obj != NULL && obj->DriverObject == NULL);
    if (obj) NdisFreeGenericObject(obj);
    return failures;
}

int NTAPI TestWsk(void)
{
    int failures = 0;
    WSK_CLIENT_NPI npi;
    WSK_REGISTRATION reg;
    WSK_PROVIDER_NPI provider;
    SOCKADDR_IN_K local, remote;
    IRP_RESULT r;
    NTSTATUS status;
    PIRP irp;

    /* Only WSK 1.x exists. */
    npi.ClientContext = &g_Mods;
    npi.Dispatch = &WskV2;
    CHECK(WskRegister(&npi, &reg) == STATUS_NOINTERFACE);
    npi.Dispatch = &WskV1;
    CHECK(WskRegister(&npi, &reg) == STATUS_SUCCESS);
    RtlZeroMemory(&provider, sizeof(provider));
    CHECK(WskCaptureProviderNPI(&reg, WSK_INFINITE_WAIT, &provider) == STATUS_SUCCESS);
    CHECK(provider.Client != NULL && provider.Dispatch != NULL);
    if (provider.Dispatch) {
        CHECK(provider.Dispatch->Version == MAKE_WSK_VERSION(1, 0));
        /* A connect on a machine with no network: the IRP completes with STATUS_NETWORK_UNREACHABLE. */
        RtlZeroMemory(&local, sizeof(local));
        local.sin_family = AF_INET;
        remote = local;
        remote.sin_port = 0x5000; /* 80, network order */
        remote.sin_addr = 0x0100007f;
        irp = IoAllocateIrp(1, FALSE);
        CHECK(irp != NULL);
        if (irp) {
            RtlZeroMemory(&r, sizeof(r));
            IoSetCompletionRoutine(irp, IrpDone, &r, TRUE, TRUE, TRUE);
            status = provider.Dispatch->WskSocketConnect(provider.Client, SOCK_STREAM, IPPROTO_TCP, &local, &remote, 0, NULL, NULL, NULL, NULL, NULL, irp);
            CHECK(status == STATUS_NETWORK_UNREACHABLE);
            CHECK(r.Calls == 1);
            CHECK(r.Status == STATUS_NETWORK_UNREACHABLE);
            CHECK(r.Information == 0);
            IoFreeIrp(irp);
        }
        irp = IoAllocateIrp(1, FALSE);
        if (irp) {
            RtlZeroMemory(&r, sizeof(r));
            IoSetCompletionRoutine(irp, IrpDone, &r, TRUE, TRUE, TRUE);
            status = provider.Dispatch->WskSocket(provider.Client, AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL, NULL, irp);
            CHECK(status == STATUS_NETWORK_UNREACHABLE && r.Calls == 1 && r.Status == STATUS_NETWORK_UNREACHABLE);
            IoFreeIrp(irp);
        }
        /* No transport to control. */
        CHECK(provider.Dispatch->WskControlClient(provider.Client, 1, 0, NULL, 0, NULL, NULL, NULL) == STATUS_NOT_SUPPORTED);
    }
    WskReleaseProviderNPI(&reg);
    WskDeregister(&reg);
    /* After WskDeregister the provider cannot be captured. */
    CHECK(WskCaptureProviderNPI(&reg, 0, &provider) == STATUS_DEVICE_NOT_READY);
    /* The same registration block can be registered again. */
    CHECK(WskRegister(&npi, &reg) == STATUS_SUCCESS);
    WskDeregister(&reg);
    return failures;
}

static ULONG g_InitialCalls;
static MIB_NOTIFICATION_TYPE g_LastType;
static PVOID g_LastContext;
static PVOID g_LastRow;

static VOID NTAPI OnChange(PVOID CallerContext, PVOID Row, MIB_NOTIFICATION_TYPE NotificationType)
{
    g_InitialCalls++;
    g_LastContext = CallerContext;
    g_LastRow = Row;
    g_LastType = NotificationType;
}

int NTAPI TestIpHelper(void)
{
    int failures = 0;
    PVOID table = (PVOID)1;
    HANDLE h = NULL;
    static UCHAR row[2048];

    /* No interface exists: no tables, no entries. */
    CHECK(GetIpInterfaceTable(AF_INET, &table) == STATUS_NOT_FOUND);
    CHECK(table == NULL);
    table = (PVOID)1;
    CHECK(GetUnicastIpAddressTable(AF_UNSPEC, &table) == STATUS_NOT_FOUND);
    CHECK(table == NULL);
    CHECK(GetIpInterfaceTable(99, &table) == STATUS_INVALID_PARAMETER);
    CHECK(GetUnicastIpAddressTable(AF_INET6, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(GetIfEntry2(NULL) == STATUS_INVALID_PARAMETER);
    RtlZeroMemory(row, sizeof(row));
    *(PULONG)(row + 8) = 1; /* MIB_IF_ROW2.InterfaceIndex */
    CHECK(GetIfEntry2(row) == STATUS_OBJECT_NAME_NOT_FOUND);
    RtlZeroMemory(row, sizeof(row));
    CHECK(GetUnicastIpAddressEntry(NULL) == STATUS_INVALID_PARAMETER);
    CHECK(GetUnicastIpAddressEntry(row) == STATUS_INVALID_PARAMETER); /* Address.si_family AF_UNSPEC */
    *(PUSHORT)row = AF_INET;
    CHECK(GetUnicastIpAddressEntry(row) == STATUS_OBJECT_NAME_NOT_FOUND);
    FreeMibTable(NULL);

    /* Notifications: the initial one runs once when asked for; cancelling frees the registration. */
    g_InitialCalls = 0;
    CHECK(NotifyIpInterfaceChange(AF_UNSPEC, OnChange, &g_Mods, TRUE, &h) == STATUS_SUCCESS);
    CHECK(h != NULL);
    CHECK(g_InitialCalls == 1 && g_LastType == MibInitialNotification && g_LastContext == &g_Mods && g_LastRow == NULL);
    CHECK(CancelMibChangeNotify2(h) == STATUS_SUCCESS);
    h = NULL;
    CHECK(NotifyUnicastIpAddressChange(AF_INET, OnChange, NULL, FALSE, &h) == STATUS_SUCCESS);
    CHECK(g_InitialCalls == 1);
    CHECK(CancelMibChangeNotify2(h) == STATUS_SUCCESS);
    CHECK(NotifyIpInterfaceChange(AF_INET, NULL, NULL, FALSE, &h) == STATUS_INVALID_PARAMETER);
    CHECK(NotifyIpInterfaceChange(7, OnChange, NULL, FALSE, &h) == STATUS_INVALID_PARAMETER);
    CHECK(NotifyUnicastIpAddressChange(AF_INET, OnChange, NULL, FALSE, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(CancelMibChangeNotify2(NULL) == STATUS_INVALID_PARAMETER);
    return failures;
}

/* WskDeregister with a captured provider NPI still held: Windows waits forever (a deadlock report). */
int NTAPI WskDeregisterCaptured(void)
{
    WSK_CLIENT_NPI npi = { NULL, &WskV1 };
    static WSK_REGISTRATION reg;
    WSK_PROVIDER_NPI provider;
    if (WskRegister(&npi, &reg) != STATUS_SUCCESS) return 1;
    if (WskCaptureProviderNPI(&reg, 0, &provider) != STATUS_SUCCESS) return 2;
    WskDeregister(&reg);
    return 3;
}

/* FreeMibTable of memory no netio.sys routine returned. */
int NTAPI FreeUnknownMibTable(void)
{
    static UCHAR notATable[64];
    FreeMibTable(notATable);
    return 1;
}

/* NdisFSetAttributes outside FilterAttach: no filter module handle exists. */
int NTAPI SetAttributesOutsideAttach(void)
{
    NdisFSetAttributes(g_Mods.FilterDriver, NULL, NULL);
    return 1;
}

/* GetIfEntry2 with a wild row pointer: a clean invalid-read report. */
int NTAPI WildIfRow(void)
{
    return (int)GetIfEntry2((PVOID)(ULONG_PTR)0x10);
}

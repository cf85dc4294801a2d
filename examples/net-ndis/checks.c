/*
 * The Test* exports: NDIS and WFP routines on valid and invalid arguments, as Microsoft Learn
 * documents them. Each returns the number of failed checks; the wild-pointer exports end in a
 * clean emulator report instead of returning.
 */
#include "netndis.h"

VOID NTAPI NetMiniportUnload(PDRIVER_OBJECT DriverObject);

/* {3b1e6a52-7c0d-4e9f-a2b4-5d6c7e8f9a02}, {...a03} */
static const GUID SUBLAYER_KEY = { 0x3b1e6a52, 0x7c0d, 0x4e9f, { 0xa2, 0xb4, 0x5d, 0x6c, 0x7e, 0x8f, 0x9a, 0x02 } };
static const GUID CALLOUT_KEY = { 0x3b1e6a52, 0x7c0d, 0x4e9f, { 0xa2, 0xb4, 0x5d, 0x6c, 0x7e, 0x8f, 0x9a, 0x04 } };
/* FWPM_LAYER_ALE_AUTH_CONNECT_V4 (fwpmk.h). */
static const GUID LAYER_KEY = { 0xc38d57d1, 0x05a7, 0x4c33, { 0x90, 0x4f, 0x7f, 0xbc, 0xee, 0xe6, 0x0e, 0x82 } };
static const GUID UNKNOWN_KEY = { 0x3b1e6a52, 0x7c0d, 0x4e9f, { 0xa2, 0xb4, 0x5d, 0x6c, 0x7e, 0x8f, 0x9a, 0x03 } };

int NTAPI TestNdisVersion(void)
{
    int failures = 0;
    ULONG v = NdisGetVersion();
    /* Windows 10 version 2004 and later run NDIS 6.84 (Learn, "Overview of NDIS versions"). */
    CHECK((v >> 16) == 6);
    CHECK((v & 0xffff) == 84);
    return failures;
}

static void NblParams(NET_BUFFER_LIST_POOL_PARAMETERS *p)
{
    RtlZeroMemory(p, sizeof(*p));
    p->Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    p->Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p->Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    p->PoolTag = NETNDIS_TAG;
}

int NTAPI TestNdisPools(void)
{
    int failures = 0;
    NET_BUFFER_LIST_POOL_PARAMETERS nbl;
    NET_BUFFER_POOL_PARAMETERS nb;
    NDIS_HANDLE pool;

    CHECK(NdisAllocateNetBufferListPool(NULL, NULL) == NULL);
    NblParams(&nbl);
    nbl.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS;
    CHECK(NdisAllocateNetBufferListPool(NULL, &nbl) == NULL);
    NblParams(&nbl);
    nbl.Header.Revision = 0;
    CHECK(NdisAllocateNetBufferListPool(NULL, &nbl) == NULL);
    NblParams(&nbl);
    nbl.Header.Size = 8;
    CHECK(NdisAllocateNetBufferListPool(NULL, &nbl) == NULL);
    /* ContextSize must be a multiple of MEMORY_ALLOCATION_ALIGNMENT. */
    NblParams(&nbl);
    nbl.ContextSize = 4;
    CHECK(NdisAllocateNetBufferListPool(NULL, &nbl) == NULL);
    nbl.ContextSize = 16;
    pool = NdisAllocateNetBufferListPool(NULL, &nbl);
    CHECK(pool != NULL && pool != g_Net.NblPool);
    if (pool) NdisFreeNetBufferListPool(pool);

    RtlZeroMemory(&nb, sizeof(nb));
    nb.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    nb.Header.Revision = NET_BUFFER_POOL_PARAMETERS_REVISION_1;
    nb.Header.Size = 4;
    CHECK(NdisAllocateNetBufferPool(NULL, &nb) == NULL);
    nb.Header.Size = NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1;
    pool = NdisAllocateNetBufferPool(NULL, &nb);
    CHECK(pool != NULL && pool != g_Net.NbPool);
    if (pool) NdisFreeNetBufferPool(pool);
    return failures;
}

int NTAPI TestNdisRegistration(void)
{
    int failures = 0;
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS chars;
    NDIS_HANDLE handle = NULL;
    PDRIVER_UNLOAD ndisUnload = g_Net.Driver->DriverUnload;
    PDRIVER_DISPATCH ndisCreate = g_Net.Driver->MajorFunction[IRP_MJ_CREATE];

    /* NDIS took the driver object over at DriverEntry's registration. */
    CHECK(g_Net.MiniportDriver != NULL);
    CHECK(ndisUnload != NULL && ndisUnload != NetMiniportUnload);
    CHECK(ndisCreate != NULL && ndisCreate == g_Net.Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL]);

    NetFillCharacteristics(&chars);
    chars.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);
    NetFillCharacteristics(&chars);
    chars.Header.Revision = 0;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);
    NetFillCharacteristics(&chars);
    chars.Header.Size = 16;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);
    NetFillCharacteristics(&chars);
    chars.MajorNdisVersion = 5;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_BAD_VERSION);
    NetFillCharacteristics(&chars);
    chars.MinorNdisVersion = 99;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_BAD_VERSION);
    NetFillCharacteristics(&chars);
    chars.HaltHandlerEx = NULL;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);
    /* Refused registrations leave the driver object and the handle alone. */
    CHECK(handle == NULL);
    CHECK(g_Net.Driver->DriverUnload == ndisUnload);
    CHECK(g_Net.Driver->MajorFunction[IRP_MJ_CREATE] == ndisCreate);

    /* Revision 3 takes the revision-2 size, as signed Windows 8-era NDIS 6.30 miniports pass it
     * (before NDIS 6.80 added SynchronousOidRequestHandler); one byte less is refused. */
    NetFillCharacteristics(&chars);
    chars.Header.Revision = 3;
    chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 - 1;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_BAD_CHARACTERISTICS);
    chars.Header.Size = NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2;
    CHECK(NdisMRegisterMiniportDriver(g_Net.Driver, NULL, NULL, &chars, &handle) == NDIS_STATUS_SUCCESS);
    CHECK(handle != NULL);
    if (handle != NULL) NdisMDeregisterMiniportDriver(handle);
    return failures;
}

static int SameGuid(const GUID *a, const GUID *b)
{
    const UCHAR *x = (const UCHAR *)a, *y = (const UCHAR *)b;
    for (int i = 0; i < 16; i++) if (x[i] != y[i]) return 0;
    return 1;
}

static int SameWide(const wchar_t *a, const wchar_t *b)
{
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

int NTAPI TestWfpProviders(void)
{
    int failures = 0;
    HANDLE engine = NULL, injection = NULL;
    FWPM_SESSION0 session;
    FWPM_PROVIDER0 provider;
    FWPM_SUBLAYER0 sublayer;
    FWPM_CALLOUT0 callout, *got = NULL;
    UINT32 id = 0;
    UINT8 blob[3] = { 0xA1, 0xA2, 0xA3 };

    RtlZeroMemory(&session, sizeof(session));
    CHECK(FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, &engine) == STATUS_SUCCESS);
    /* DriverEntry's provider exists; an unknown key is not found. */
    RtlZeroMemory(&provider, sizeof(provider));
    provider.providerKey = NETNDIS_PROVIDER_KEY;
    CHECK(FwpmProviderAdd0(engine, &provider, NULL) == STATUS_FWP_ALREADY_EXISTS);
    CHECK(FwpmProviderDeleteByKey0(engine, &UNKNOWN_KEY) == STATUS_FWP_PROVIDER_NOT_FOUND);
    CHECK(FwpmProviderDeleteByKey0(engine, NULL) == STATUS_INVALID_PARAMETER);

    RtlZeroMemory(&sublayer, sizeof(sublayer));
    sublayer.subLayerKey = SUBLAYER_KEY;
    sublayer.displayData.name = L"netndis sublayer";
    sublayer.providerKey = (GUID *)&NETNDIS_PROVIDER_KEY;
    CHECK(FwpmSubLayerAdd0(engine, &sublayer, NULL) == STATUS_SUCCESS);
    /* A delete inside an aborted transaction is undone. */
    CHECK(FwpmTransactionBegin0(engine, 0) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerDeleteByKey0(engine, &SUBLAYER_KEY) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerDeleteByKey0(engine, &SUBLAYER_KEY) == STATUS_FWP_SUBLAYER_NOT_FOUND);
    CHECK(FwpmTransactionAbort0(engine) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerAdd0(engine, &sublayer, NULL) == STATUS_FWP_ALREADY_EXISTS);
    CHECK(FwpmSubLayerDeleteByKey0(engine, &SUBLAYER_KEY) == STATUS_SUCCESS);
    CHECK(FwpmSubLayerDeleteByKey0(engine, &SUBLAYER_KEY) == STATUS_FWP_SUBLAYER_NOT_FOUND);

    /* A management callout read back by key and by id: a copy in one block FwpmFreeMemory0 frees. */
    RtlZeroMemory(&callout, sizeof(callout));
    callout.calloutKey = CALLOUT_KEY;
    callout.displayData.name = L"netndis callout";
    callout.providerKey = (GUID *)&NETNDIS_PROVIDER_KEY;
    callout.providerData.size = sizeof(blob);
    callout.providerData.data = blob;
    callout.applicableLayer = LAYER_KEY;
    callout.flags = 0x10;
    got = (FWPM_CALLOUT0 *)(ULONG_PTR)1;
    CHECK(FwpmCalloutGetByKey0(engine, &CALLOUT_KEY, &got) == STATUS_FWP_CALLOUT_NOT_FOUND);
    CHECK(got == (FWPM_CALLOUT0 *)(ULONG_PTR)1);
    CHECK(FwpmCalloutAdd0(engine, &callout, NULL, &id) == STATUS_SUCCESS && id != 0);
    callout.displayData.name = L"changed after the add";
    got = NULL;
    CHECK(FwpmCalloutGetByKey0(engine, &CALLOUT_KEY, &got) == STATUS_SUCCESS && got != NULL);
    if (got) {
        CHECK(SameGuid(&got->calloutKey, &CALLOUT_KEY) && SameGuid(&got->applicableLayer, &LAYER_KEY));
        CHECK(got->calloutId == id && got->flags == 0x10);
        CHECK(got->displayData.name != NULL && SameWide(got->displayData.name, L"netndis callout"));
        CHECK(got->displayData.description == NULL);
        CHECK(got->providerKey != NULL && got->providerKey != &NETNDIS_PROVIDER_KEY && SameGuid(got->providerKey, &NETNDIS_PROVIDER_KEY));
        CHECK(got->providerData.size == sizeof(blob) && got->providerData.data != blob);
        CHECK(got->providerData.data != NULL && got->providerData.data[0] == 0xA1 && got->providerData.data[2] == 0xA3);
        FwpmFreeMemory0((void **)&got);
        CHECK(got == NULL);
    }
    FwpmFreeMemory0((void **)&got); /* *p NULL: nothing to do */
    CHECK(FwpmCalloutGetById0(engine, id, &got) == STATUS_SUCCESS && got != NULL);
    if (got) {
        CHECK(SameGuid(&got->calloutKey, &CALLOUT_KEY) && got->calloutId == id);
        FwpmFreeMemory0((void **)&got);
    }
    CHECK(FwpmCalloutGetById0(engine, id + 1000, &got) == STATUS_FWP_CALLOUT_NOT_FOUND);
    CHECK(FwpmCalloutGetByKey0(engine, NULL, &got) == STATUS_INVALID_PARAMETER);
    CHECK(FwpmCalloutGetByKey0(engine, &CALLOUT_KEY, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(FwpmCalloutGetByKey0((HANDLE)(ULONG_PTR)0x1230, &CALLOUT_KEY, &got) == STATUS_INVALID_HANDLE);
    CHECK(FwpmCalloutDeleteByKey0(engine, &CALLOUT_KEY) == STATUS_SUCCESS);
    CHECK(FwpmCalloutGetByKey0(engine, &CALLOUT_KEY, &got) == STATUS_FWP_CALLOUT_NOT_FOUND);
    CHECK(FwpmCalloutGetById0(engine, id, &got) == STATUS_FWP_CALLOUT_NOT_FOUND);
    CHECK(got == NULL);
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);

    /* Injection handles: a known address family and injection types (0 is valid: examples/qa-fresh7). */
    CHECK(FwpsInjectionHandleCreate0(99, FWPS_INJECTION_TYPE_NETWORK, &injection) == STATUS_INVALID_PARAMETER);
    CHECK(FwpsInjectionHandleCreate0(AF_INET6, 0x100, &injection) == STATUS_INVALID_PARAMETER);
    CHECK(FwpsInjectionHandleCreate0(AF_INET6, FWPS_INJECTION_TYPE_NETWORK, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(injection == NULL);
    CHECK(FwpsInjectionHandleCreate0(AF_INET6, FWPS_INJECTION_TYPE_NETWORK, &injection) == STATUS_SUCCESS && injection != NULL);
    CHECK(injection != g_Net.Injection);
    if (injection) CHECK(FwpsInjectionHandleDestroy0(injection) == STATUS_SUCCESS);
    return failures;
}

/* A wild Parameters pointer: NDIS reads the header through it (a clean invalid-read report). */
int NTAPI WildPoolParameters(void)
{
    return NdisAllocateNetBufferListPool(NULL, (NET_BUFFER_LIST_POOL_PARAMETERS *)(ULONG_PTR)0x10) == NULL;
}

/* FwpmFreeMemory0 of memory no Fwpm*Get* routine returned (a bug check report). */
int NTAPI FreeForeignFwpMemory(void)
{
    static UCHAR notMine[16];
    void *p = notMine;
    FwpmFreeMemory0(&p);
    return 0;
}

/* A pool handle NDIS never returned: NDIS would dereference it (a bug check report). */
int NTAPI FreeUnknownPool(void)
{
    NdisFreeNetBufferListPool(&g_Net);
    return 0;
}

/*
 * The Test* exports: NDIS and WFP routines on valid and invalid arguments, as Microsoft Learn
 * documents them. Each returns the number of failed checks; the wild-pointer exports end in a
 * clean emulator report instead of returning.
 */
#include "netndis.h"

VOID NTAPI NetMiniportUnload(PDRIVER_OBJECT DriverObject);

/* {3b1e6a52-7c0d-4e9f-a2b4-5d6c7e8f9a02}, {...a03} */
static const GUID SUBLAYER_KEY = { 0x3b1e6a52, 0x7c0d, 0x4e9f, { 0xa2, 0xb4, 0x5d, 0x6c, 0x7e, 0x8f, 0x9a, 0x02 } };
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
    return failures;
}

int NTAPI TestWfpProviders(void)
{
    int failures = 0;
    HANDLE engine = NULL, injection = NULL;
    FWPM_SESSION0 session;
    FWPM_PROVIDER0 provider;
    FWPM_SUBLAYER0 sublayer;

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
    CHECK(FwpmEngineClose0(engine) == STATUS_SUCCESS);

    /* Injection handles: a known address family and one or more injection types. */
    CHECK(FwpsInjectionHandleCreate0(99, FWPS_INJECTION_TYPE_NETWORK, &injection) == STATUS_INVALID_PARAMETER);
    CHECK(FwpsInjectionHandleCreate0(AF_INET6, 0, &injection) == STATUS_INVALID_PARAMETER);
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

/* A pool handle NDIS never returned: NDIS would dereference it (a bug check report). */
int NTAPI FreeUnknownPool(void)
{
    NdisFreeNetBufferListPool(&g_Net);
    return 0;
}

/*
 * netndis.sys — DriverEntry: the NDIS version check, the pools and the WFP handles, then the
 * miniport registration; each step undone on failure. NDIS owns the driver object afterwards:
 * the service stop reaches NetMiniportUnload through NDIS's DriverUnload.
 */
#include "netndis.h"

NETNDIS_GLOBALS g_Net;

/* {3b1e6a52-7c0d-4e9f-a2b4-5d6c7e8f9a01} */
const GUID NETNDIS_PROVIDER_KEY = { 0x3b1e6a52, 0x7c0d, 0x4e9f, { 0xa2, 0xb4, 0x5d, 0x6c, 0x7e, 0x8f, 0x9a, 0x01 } };

static NTSTATUS NetOpenWfp(void)
{
    NTSTATUS status;
    FWPM_SESSION0 session;
    FWPM_PROVIDER0 provider;

    status = FwpsInjectionHandleCreate0(AF_INET, FWPS_INJECTION_TYPE_NETWORK | FWPS_INJECTION_TYPE_FORWARD, &g_Net.Injection);
    if (!NT_SUCCESS(status)) return status;
    RtlZeroMemory(&session, sizeof(session));
    status = FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, &g_Net.Engine);
    if (NT_SUCCESS(status)) {
        RtlZeroMemory(&provider, sizeof(provider));
        provider.providerKey = NETNDIS_PROVIDER_KEY;
        provider.displayData.name = L"netndis provider";
        status = FwpmProviderAdd0(g_Net.Engine, &provider, NULL);
        if (!NT_SUCCESS(status)) FwpmEngineClose0(g_Net.Engine);
    }
    if (!NT_SUCCESS(status)) {
        FwpsInjectionHandleDestroy0(g_Net.Injection);
        g_Net.Injection = NULL;
        g_Net.Engine = NULL;
    }
    return status;
}

static void NetCloseWfp(void)
{
    if (g_Net.Engine) {
        NTSTATUS status = FwpmProviderDeleteByKey0(g_Net.Engine, &NETNDIS_PROVIDER_KEY);
        if (!NT_SUCCESS(status)) DbgPrint("netndis: FwpmProviderDeleteByKey0 failed 0x%08x\n", status);
        FwpmEngineClose0(g_Net.Engine);
        g_Net.Engine = NULL;
    }
    if (g_Net.Injection) {
        FwpsInjectionHandleDestroy0(g_Net.Injection);
        g_Net.Injection = NULL;
    }
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS status;
    ULONG version = NdisGetVersion();

    if ((version >> 16) < 6) {
        DbgPrint("netndis: NDIS %u.%u is older than NDIS 6\n", version >> 16, version & 0xffff);
        return STATUS_NOT_SUPPORTED;
    }
    g_Net.Driver = DriverObject;
    status = NetAllocatePools();
    if (!NT_SUCCESS(status)) return status;
    status = NetOpenWfp();
    if (!NT_SUCCESS(status)) {
        NetFreePools();
        return status;
    }
    status = NetRegisterMiniport(DriverObject, RegistryPath);
    if (status != NDIS_STATUS_SUCCESS) {
        DbgPrint("netndis: NdisMRegisterMiniportDriver failed 0x%08x\n", status);
        NetCloseWfp();
        NetFreePools();
        return status;
    }
    DbgPrint("netndis: NDIS %u.%u miniport registered\n", version >> 16, version & 0xffff);
    return STATUS_SUCCESS;
}

/* MiniportDriverUnload: called by NDIS's DriverUnload when the service stops. */
VOID NTAPI NetMiniportUnload(PDRIVER_OBJECT DriverObject)
{
    g_Net.UnloadCalls++;
    DbgPrint("netndis: MiniportDriverUnload (call %lu, %s driver object)\n", g_Net.UnloadCalls, DriverObject == g_Net.Driver ? "its" : "another");
    NdisMDeregisterMiniportDriver(g_Net.MiniportDriver);
    g_Net.MiniportDriver = NULL;
    NetCloseWfp();
    NetFreePools();
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

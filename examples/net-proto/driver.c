/*
 * netproto.sys — DriverEntry: TCP/IP's bindings, the protocol registration, one capture device per
 * bound adapter; DriverUnload undoes it in reverse. Each step is undone on failure.
 */
#include "netproto.h"

NETPROTO_GLOBALS g_Proto;

static void ProtoDeleteDevices(void)
{
    ULONG i;
    for (i = 0; i < g_Proto.AdapterCount; i++) {
        if (g_Proto.Devices[i]) IoDeleteDevice(g_Proto.Devices[i]);
        g_Proto.Devices[i] = NULL;
    }
    g_Proto.AdapterCount = 0;
}

/* One device \Device\NETPROTO_{GUID} per "\Device\{GUID}" entry of the bindings. */
static NTSTATUS ProtoCreateDevices(PDRIVER_OBJECT DriverObject, PWSTR bindings)
{
    PWSTR entry;
    for (entry = bindings; *entry && g_Proto.AdapterCount < NETPROTO_MAX_ADAPTERS; entry += wcslen(entry) + 1) {
        WCHAR nameBuffer[128];
        UNICODE_STRING name;
        NTSTATUS status;
        PCWSTR adapter = entry;
        if (_wcsnicmp(adapter, L"\\Device\\", 8) == 0) adapter += 8;
        RtlInitEmptyUnicodeString(&name, nameBuffer, sizeof(nameBuffer));
        RtlAppendUnicodeToString(&name, L"\\Device\\NETPROTO_");
        status = RtlAppendUnicodeToString(&name, adapter);
        if (!NT_SUCCESS(status)) return status;
        status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_NETWORK, 0, FALSE, &g_Proto.Devices[g_Proto.AdapterCount]);
        if (!NT_SUCCESS(status)) return status;
        g_Proto.AdapterCount++;
    }
    return STATUS_SUCCESS;
}

static VOID NTAPI ProtoUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    ProtoDeleteDevices();
    ProtoDeregister();
    DbgPrint("netproto: unloaded\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS status;
    NDIS_STATUS ndis;
    PWSTR bindings = NULL;

    UNREFERENCED_PARAMETER(RegistryPath);
    g_Proto.Driver = DriverObject;
    status = ProtoReadTcpBindings(&bindings);
    if (!NT_SUCCESS(status)) {
        DbgPrint("netproto: TCP/IP has no bindings (0x%08x), quitting\n", status);
        return status;
    }
    ndis = ProtoRegister();
    if (ndis != NDIS_STATUS_SUCCESS) {
        DbgPrint("netproto: NdisRegisterProtocolDriver failed 0x%08x\n", ndis);
        ExFreePoolWithTag(bindings, NETPROTO_TAG);
        return STATUS_UNSUCCESSFUL;
    }
    status = ProtoCreateDevices(DriverObject, bindings);
    ExFreePoolWithTag(bindings, NETPROTO_TAG);
    if (!NT_SUCCESS(status)) {
        ProtoDeleteDevices();
        ProtoDeregister();
        return status;
    }
    DriverObject->DriverUnload = ProtoUnload;
    DbgPrint("netproto: protocol registered, %lu capture device(s)\n", g_Proto.AdapterCount);
    return STATUS_SUCCESS;
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

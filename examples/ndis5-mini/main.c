/*
 * ndis5mini.sys — an NDIS 5.1 miniport's DriverEntry as the legacy LAN miniports of the held-out
 * corpus write it: NdisMInitializeWrapper, NdisMRegisterMiniport, and on failure
 * NdisTerminateWrapper. On Windows 8 and later (the emulated Windows 10) NDIS 5.x miniports were
 * removed: the registration answers NDIS_STATUS_BAD_VERSION whatever the version, and leaves the
 * driver object alone. This driver checks that, a terminated wrapper, NdisGetRoutineAddress, then
 * (unlike a real miniport, which would fail) stays loaded with its own DriverUnload so the run can
 * stop it.
 */
#include "ndis5mini.h"

DRIVER_INITIALIZE DriverEntry;

static VOID MiniUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("ndis5mini: unload\n");
}

/* Handlers NDIS would call for an adapter (never). */
static VOID MiniHalt(PVOID Context) { UNREFERENCED_PARAMETER(Context); }

static void Fill(NDIS_MINIPORT_CHARACTERISTICS *c, UCHAR major, UCHAR minor)
{
    RtlZeroMemory(c, sizeof(*c));
    c->MajorNdisVersion = major;
    c->MinorNdisVersion = minor;
    c->HaltHandler = (PVOID)MiniHalt;
    c->InitializeHandler = (PVOID)MiniHalt;
    c->QueryInformationHandler = (PVOID)MiniHalt;
    c->SetInformationHandler = (PVOID)MiniHalt;
    c->ResetHandler = (PVOID)MiniHalt;
    c->SendPacketsHandler = (PVOID)MiniHalt;
}

static ULONG CheckRoutineAddress(void)
{
    ULONG failures = 0;
    UNICODE_STRING name;

    /* An exported NDIS routine is found (the address the import table holds); an unknown one is NULL. */
    RtlInitUnicodeString(&name, L"NdisGetVersion");
    CHECK(NdisGetRoutineAddress(&name) == (PVOID)NdisGetVersion);
    RtlInitUnicodeString(&name, L"NdisNoSuchRoutine");
    CHECK(NdisGetRoutineAddress(&name) == NULL);
    /* An ntoskrnl routine is not an NDIS one. */
    RtlInitUnicodeString(&name, L"KeBugCheckEx");
    CHECK(NdisGetRoutineAddress(&name) == NULL);
    return failures;
}

/*
 * NDIS 5 configuration access on the wrapper handle, as Huawei's ewusbnet.sys (held-out set fresh4)
 * calls it from DriverEntry (Microsoft Learn, NDIS 5.1: NdisOpenConfiguration, NdisReadConfiguration,
 * NdisCloseConfiguration; NDIS_CONFIGURATION_PARAMETER). kmdll reads the service's Parameters key.
 */
typedef enum { Ndis5ParameterInteger } NDIS5_PARAMETER_TYPE;
typedef struct { NDIS5_PARAMETER_TYPE ParameterType; union { ULONG IntegerData; UNICODE_STRING StringData; } ParameterData; } NDIS5_CONFIGURATION_PARAMETER;
__declspec(dllimport) VOID NTAPI NdisOpenConfiguration(NDIS_STATUS *Status, NDIS_HANDLE *ConfigurationHandle, NDIS_HANDLE WrapperConfigurationContext);
__declspec(dllimport) VOID NTAPI NdisReadConfiguration(NDIS_STATUS *Status, NDIS5_CONFIGURATION_PARAMETER **ParameterValue, NDIS_HANDLE ConfigurationHandle, PUNICODE_STRING Keyword, NDIS5_PARAMETER_TYPE ParameterType);
__declspec(dllimport) VOID NTAPI NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle);

static ULONG CheckConfiguration(NDIS_HANDLE wrapper)
{
    ULONG failures = 0, speed = 100;
    NDIS_STATUS status = 0x1234;
    NDIS_HANDLE config = NULL;
    NDIS5_CONFIGURATION_PARAMETER *p = NULL;
    UNICODE_STRING kw;

    /* No Parameters key yet: NDIS_STATUS_FAILURE, no handle. */
    NdisOpenConfiguration(&status, &config, wrapper);
    CHECK(status == (NDIS_STATUS)0xC0000001L && config == NULL);
    CHECK(NT_SUCCESS(RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"ndis5mini\\Parameters")));
    CHECK(NT_SUCCESS(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, L"ndis5mini\\Parameters", L"LinkSpeed", REG_DWORD, &speed, sizeof(speed))));
    NdisOpenConfiguration(&status, &config, wrapper);
    CHECK(status == NDIS_STATUS_SUCCESS && config != NULL);
    if (config == NULL) return failures;
    RtlInitUnicodeString(&kw, L"LinkSpeed");
    NdisReadConfiguration(&status, &p, config, &kw, Ndis5ParameterInteger);
    CHECK(status == NDIS_STATUS_SUCCESS && p != NULL && p->ParameterData.IntegerData == 100);
    RtlInitUnicodeString(&kw, L"NoSuchValue");
    NdisReadConfiguration(&status, &p, config, &kw, Ndis5ParameterInteger);
    CHECK(status == (NDIS_STATUS)0xC0000001L);
    NdisCloseConfiguration(config);
    return failures;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG failures = CheckRoutineAddress();
    NDIS_HANDLE wrapper = NULL, other = NULL;
    NDIS_MINIPORT_CHARACTERISTICS c;
    PDRIVER_DISPATCH defaultDispatch = DriverObject->MajorFunction[IRP_MJ_CREATE];

    /* Not a driver object: no wrapper. */
    NdisMInitializeWrapper(&other, (PVOID)RegistryPath, RegistryPath, NULL);
    CHECK(other == NULL);

    NdisMInitializeWrapper(&wrapper, DriverObject, RegistryPath, NULL);
    CHECK(wrapper != NULL);
    if (wrapper == NULL) return STATUS_UNSUCCESSFUL;
    NdisMRegisterUnloadHandler(wrapper, MiniUnload);
    failures += CheckConfiguration(wrapper);

    /* Every version is refused on Windows 8 and later: 5.1, 4.0, 3.0, and 6.0 (an NDIS 6 driver uses NdisMRegisterMiniportDriver). */
    Fill(&c, 5, 1);
    CHECK(NdisMRegisterMiniport(wrapper, &c, sizeof(c)) == NDIS_STATUS_BAD_VERSION);
    Fill(&c, 4, 0);
    CHECK(NdisMRegisterMiniport(wrapper, &c, NDIS40_CHARACTERISTICS_SIZE) == NDIS_STATUS_BAD_VERSION);
    Fill(&c, 3, 0);
    CHECK(NdisMRegisterMiniport(wrapper, &c, sizeof(c)) == NDIS_STATUS_BAD_VERSION);
    Fill(&c, 6, 0);
    CHECK(NdisMRegisterMiniport(wrapper, &c, sizeof(c)) == NDIS_STATUS_BAD_VERSION);
    /* An NDIS 5.1 intermediate driver's virtual miniport is refused the same way; DriverHandle untouched. */
    {
        NDIS_HANDLE layered = (NDIS_HANDLE)(ULONG_PTR)0x1234;
        Fill(&c, 5, 1);
        CHECK(NdisIMRegisterLayeredMiniport(wrapper, &c, sizeof(c), &layered) == NDIS_STATUS_BAD_VERSION);
        CHECK(layered == (NDIS_HANDLE)(ULONG_PTR)0x1234);
    }
    /* The refused registrations left the driver object alone. */
    CHECK(DriverObject->DriverUnload == NULL);
    CHECK(DriverObject->DriverExtension->AddDevice == NULL);
    CHECK(DriverObject->MajorFunction[IRP_MJ_PNP] == defaultDispatch);

    /* What a real miniport's DriverEntry does next: release the wrapper (and return the failure). */
    NdisTerminateWrapper(wrapper, NULL);

    if (failures != 0) {
        DbgPrint("ndis5mini: %lu check(s) failed\n", failures);
        return STATUS_UNSUCCESSFUL;
    }
    DriverObject->DriverUnload = MiniUnload;
    DbgPrint("ndis5mini: all checks passed\n");
    return STATUS_SUCCESS;
}

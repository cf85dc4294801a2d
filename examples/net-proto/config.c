/*
 * TestProtocolConfiguration: NdisOpenConfigurationEx with the protocol driver handle, as Intel's
 * ilp60x64.sys calls it from DriverEntry right after NdisRegisterProtocolDriver (DriverPack set
 * fresh4). Microsoft Learn ("Reading the Registry in an NDIS 6.0 Protocol Driver"): with the
 * handle NdisRegisterProtocolDriver returned, NdisOpenConfigurationEx gives a configuration handle
 * for "the registry location where the protocol driver's configuration parameters are stored" —
 * the protocol's service key's Parameters subkey, which its INF's AddReg makes. NDIS knows the
 * protocol by the Name it registered (NdisRegisterProtocolDriver takes no driver object): this
 * driver registers "NETPROTO" as service netproto, and a second protocol of another name reads
 * that name's key. NDIS_STATUS_FAILURE when the key does not exist; a bad header is refused.
 */
#include "netproto.h"

#define PARAMS L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\netproto\\Parameters"
#define OTHER L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\NETPROTO_CFG"

static NTSTATUS MakeKey(PCWSTR path, PHANDLE key)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&name, path);
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    return ZwCreateKey(key, KEY_ALL_ACCESS, &oa, 0, NULL, 0, NULL);
}

static NTSTATUS SetDword(HANDLE key, PCWSTR name, ULONG value)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, name);
    return ZwSetValueKey(key, &n, 0, REG_DWORD, &value, sizeof(value));
}

static VOID DropKey(HANDLE key)
{
    if (key == NULL) return;
    ZwDeleteKey(key);
    ZwClose(key);
}

static VOID InitObject(NDIS_CONFIGURATION_OBJECT *obj, NDIS_HANDLE handle)
{
    RtlZeroMemory(obj, sizeof(*obj));
    obj->Header.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT;
    obj->Header.Revision = NDIS_CONFIGURATION_OBJECT_REVISION_1;
    obj->Header.Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1;
    obj->NdisHandle = handle;
}

/* NdisReadConfiguration of an integer: the value, or 0xFFFFFFFF when it fails. */
static ULONG ReadInteger(NDIS_HANDLE config, PCWSTR name)
{
    UNICODE_STRING n;
    NDIS_STATUS status = 0x12345678;
    PNDIS_CONFIGURATION_PARAMETER p = NULL;
    RtlInitUnicodeString(&n, name);
    NdisReadConfiguration(&status, &p, config, &n, NdisParameterInteger);
    return status == NDIS_STATUS_SUCCESS && p != NULL ? p->ParameterData.IntegerData : 0xFFFFFFFF;
}

LONG NTAPI TestProtocolConfiguration(void)
{
    LONG failures = 0;
    NDIS_CONFIGURATION_OBJECT obj;
    NDIS_PROTOCOL_DRIVER_CHARACTERISTICS chars;
    NDIS_HANDLE config = NULL, other = NULL;
    HANDLE key = NULL, otherService = NULL, otherKey = NULL;

    CHECK(g_Proto.Protocol != NULL);
    InitObject(&obj, g_Proto.Protocol);
    /* No Parameters key yet (no INF ran): NDIS_STATUS_FAILURE, nothing returned. */
    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_FAILURE && config == NULL);

    CHECK(MakeKey(PARAMS, &key) == STATUS_SUCCESS);
    CHECK(SetDword(key, L"Mode", 3) == STATUS_SUCCESS);
    /* A wrong header type is refused before the handle is looked at. */
    obj.Header.Type = 0xA5;
    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_FAILURE && config == NULL);
    obj.Header.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT;
    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_SUCCESS && config != NULL);
    if (config != NULL) {
        CHECK(ReadInteger(config, L"Mode") == 3);
        CHECK(ReadInteger(config, L"Missing") == 0xFFFFFFFF);
        NdisCloseConfiguration(config);
    }

    /* A second protocol of another name reads its own name's service key. */
    ProtoFillCharacteristics(&chars, L"NETPROTO_CFG");
    CHECK(NdisRegisterProtocolDriver(NULL, &chars, &other) == NDIS_STATUS_SUCCESS && other != NULL);
    if (other != NULL) {
        CHECK(MakeKey(OTHER, &otherService) == STATUS_SUCCESS);
        CHECK(MakeKey(OTHER L"\\Parameters", &otherKey) == STATUS_SUCCESS);
        CHECK(SetDword(otherKey, L"Mode", 9) == STATUS_SUCCESS);
        InitObject(&obj, other);
        config = NULL;
        CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_SUCCESS && config != NULL);
        if (config != NULL) {
            CHECK(ReadInteger(config, L"Mode") == 9);
            NdisCloseConfiguration(config);
        }
        NdisDeregisterProtocolDriver(other);
    }
    DropKey(otherKey);
    DropKey(otherService);
    DropKey(key);
    return failures;
}

/*
 * TestPredefinedKeywords: NdisReadConfiguration's predefined entry names (Learn: "ProcessorType",
 * "NdisVersion"; NDIS 5.1's page adds "Environment") come back as integers with no registry value
 * behind them — and without NDIS looking at the handle: Intel's ANS intermediate driver
 * (iansw60e.sys, fresh7b) reads NdisVersion from DriverEntry passing its RegistryPath as the
 * configuration handle. NdisVersion is 0xMMMMmmmm, the same version NdisGetVersion returns.
 */
LONG NTAPI TestPredefinedKeywords(void)
{
    LONG failures = 0;
    UNICODE_STRING regPath = RTL_CONSTANT_STRING(L"\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\netproto");
    NDIS_CONFIGURATION_OBJECT obj;
    NDIS_HANDLE config = NULL;
    HANDLE key = NULL;
    ULONG version = ReadInteger((NDIS_HANDLE)&regPath, L"NdisVersion");

    CHECK(version == NdisGetVersion());
    CHECK((version >> 16) == 6);
    CHECK(ReadInteger((NDIS_HANDLE)&regPath, L"Environment") == 1); /* NdisEnvironmentWindowsNt */
#if defined(_M_AMD64)
    CHECK(ReadInteger((NDIS_HANDLE)&regPath, L"ProcessorType") == 4); /* NdisProcessorAmd64 */
#elif defined(_M_IX86)
    CHECK(ReadInteger((NDIS_HANDLE)&regPath, L"ProcessorType") == 0); /* NdisProcessorX86 */
#endif
    /* Through a real handle too, and closing it leaves the predefined answers alone. */
    CHECK(MakeKey(PARAMS, &key) == STATUS_SUCCESS);
    InitObject(&obj, g_Proto.Protocol);
    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_SUCCESS && config != NULL);
    if (config != NULL) {
        CHECK(ReadInteger(config, L"NdisVersion") == version);
        CHECK(ReadInteger(config, L"NoSuchValue") == 0xFFFFFFFF);
        NdisCloseConfiguration(config);
    }
    CHECK(ReadInteger((NDIS_HANDLE)&regPath, L"NdisVersion") == version);
    DropKey(key);
    return failures;
}

/*
 * TestNdisConfiguration: NDIS 6 configuration access, as a miniport reads its driver parameters
 * from DriverEntry (VirtIO's netkvm.sys does; Microsoft Learn: NdisOpenConfigurationEx and the
 * routines it lists). With the miniport driver handle, NdisOpenConfigurationEx opens the service
 * key's Parameters subkey, which an INF's AddReg makes: this test makes it itself with the values
 * an INF would write (numbers as strings), reads each parameter type, and removes it again.
 */
#include "netndis.h"

#define PARAMS L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\netndis\\Parameters"

static NTSTATUS SetValue(HANDLE key, PCWSTR name, ULONG type, const VOID *data, ULONG size)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, name);
    return ZwSetValueKey(key, &n, 0, type, (PVOID)data, size);
}

static NTSTATUS OpenKey(PCWSTR path, PHANDLE key, BOOLEAN create)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&name, path);
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    return create ? ZwCreateKey(key, KEY_ALL_ACCESS, &oa, 0, NULL, 0, NULL) : ZwOpenKey(key, KEY_ALL_ACCESS, &oa);
}

static NDIS_STATUS Read(NDIS_HANDLE config, PCWSTR name, NDIS_PARAMETER_TYPE type, PNDIS_CONFIGURATION_PARAMETER *value)
{
    UNICODE_STRING n;
    NDIS_STATUS status = 0x12345678;
    RtlInitUnicodeString(&n, name);
    *value = NULL;
    NdisReadConfiguration(&status, value, config, &n, type);
    return status;
}

int NTAPI TestNdisConfiguration(void)
{
    static const WCHAR list[] = L"one\0two\0";
    static const UCHAR blob[3] = { 1, 2, 3 };
    static const ULONG seven = 7;
    int failures = 0;
    NDIS_CONFIGURATION_OBJECT obj;
    NDIS_HANDLE config = NULL, sub = NULL;
    PNDIS_CONFIGURATION_PARAMETER p;
    NDIS_STATUS status;
    UNICODE_STRING name, expect;
    HANDLE key = NULL, subKey = NULL;

    RtlZeroMemory(&obj, sizeof(obj));
    obj.Header.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT;
    obj.Header.Revision = NDIS_CONFIGURATION_OBJECT_REVISION_1;
    obj.Header.Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1;
    obj.NdisHandle = g_Net.MiniportDriver;

    /* No Parameters key yet (no INF ran): nothing to open. */
    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_FAILURE && config == NULL);

    /* What an INF's AddReg writes: numbers as strings, a keyword list, binary data, an Ndi subkey. */
    CHECK(OpenKey(PARAMS, &key, TRUE) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Speed", REG_SZ, L"100", sizeof(L"100")) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Mask", REG_SZ, L"ff", sizeof(L"ff")) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Count", REG_DWORD, &seven, sizeof(seven)) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Name", REG_SZ, L"vnet", sizeof(L"vnet")) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"List", REG_MULTI_SZ, list, sizeof(list)) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Blob", REG_BINARY, blob, sizeof(blob)) == STATUS_SUCCESS);
    CHECK(OpenKey(PARAMS L"\\Ndi", &subKey, TRUE) == STATUS_SUCCESS);
    CHECK(SetValue(subKey, L"Service", REG_SZ, L"netndis", sizeof(L"netndis")) == STATUS_SUCCESS);

    /* A wrong header is refused. */
    obj.Header.Type = 0xA5;
    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_FAILURE && config == NULL);
    obj.Header.Type = NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT;
    obj.Header.Size = 4;
    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_FAILURE && config == NULL);
    obj.Header.Size = NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1;

    CHECK(NdisOpenConfigurationEx(&obj, &config) == NDIS_STATUS_SUCCESS && config != NULL);
    if (config != NULL) {
        /* Integers: from a REG_SZ (decimal / hex by the type asked) or a REG_DWORD. */
        CHECK(Read(config, L"Speed", NdisParameterInteger, &p) == NDIS_STATUS_SUCCESS && p != NULL && p->ParameterType == NdisParameterInteger && p->ParameterData.IntegerData == 100);
        CHECK(Read(config, L"Mask", NdisParameterHexInteger, &p) == NDIS_STATUS_SUCCESS && p != NULL && p->ParameterData.IntegerData == 0xFF);
        CHECK(Read(config, L"Speed", NdisParameterHexInteger, &p) == NDIS_STATUS_SUCCESS && p != NULL && p->ParameterData.IntegerData == 0x100);
        CHECK(Read(config, L"Count", NdisParameterInteger, &p) == NDIS_STATUS_SUCCESS && p != NULL && p->ParameterData.IntegerData == 7);
        CHECK(Read(config, L"Name", NdisParameterInteger, &p) == NDIS_STATUS_FAILURE && p == NULL);
        /* Strings. */
        RtlInitUnicodeString(&expect, L"vnet");
        CHECK(Read(config, L"name", NdisParameterString, &p) == NDIS_STATUS_SUCCESS && p != NULL && p->ParameterType == NdisParameterString);
        if (p != NULL)
            CHECK(RtlEqualUnicodeString(&p->ParameterData.StringData, &expect, FALSE));
        CHECK(Read(config, L"List", NdisParameterMultiString, &p) == NDIS_STATUS_SUCCESS && p != NULL);
        if (p != NULL)
            CHECK(p->ParameterData.StringData.Length == sizeof(list) && RtlCompareMemory(p->ParameterData.StringData.Buffer, list, sizeof(list)) == sizeof(list));
        CHECK(Read(config, L"List", NdisParameterString, &p) == NDIS_STATUS_FAILURE);
        /* Binary. */
        CHECK(Read(config, L"Blob", NdisParameterBinary, &p) == NDIS_STATUS_SUCCESS && p != NULL);
        if (p != NULL)
            CHECK(p->ParameterData.BinaryData.Length == 3 && RtlCompareMemory(p->ParameterData.BinaryData.Buffer, blob, 3) == 3);
        /* Missing. */
        CHECK(Read(config, L"NoSuchValue", NdisParameterInteger, &p) == NDIS_STATUS_FAILURE && p == NULL);
        /* A subkey by name, read and closed on its own. */
        RtlInitUnicodeString(&name, L"Ndi");
        status = 0x12345678;
        NdisOpenConfigurationKeyByName(&status, config, &name, &sub);
        CHECK(status == NDIS_STATUS_SUCCESS && sub != NULL);
        if (sub != NULL) {
            RtlInitUnicodeString(&expect, L"netndis");
            CHECK(Read(sub, L"Service", NdisParameterString, &p) == NDIS_STATUS_SUCCESS && p != NULL && RtlEqualUnicodeString(&p->ParameterData.StringData, &expect, TRUE));
            NdisCloseConfiguration(sub);
        }
        RtlInitUnicodeString(&name, L"Missing");
        NdisOpenConfigurationKeyByName(&status, config, &name, &sub);
        CHECK(status == NDIS_STATUS_FAILURE);
        NdisCloseConfiguration(config);
    }

    if (subKey != NULL) {
        ZwDeleteKey(subKey);
        ZwClose(subKey);
    }
    if (key != NULL) {
        ZwDeleteKey(key);
        ZwClose(key);
    }
    return failures;
}

/*
 * TestNdisMemory: NDIS's own allocator and strings, as a miniport uses them from DriverEntry. The
 * memory is the driver's (nonpaged, with its tag) until it frees it; NdisInitializeString's
 * buffer goes with NdisFreeString. Nothing is left at unload (the test's caller checks no leak).
 */
int NTAPI TestNdisMemory(void)
{
    int failures = 0;
    PUCHAR p, q;
    UNICODE_STRING s, expect;
    ULONG i;

    p = (PUCHAR)NdisAllocateMemoryWithTagPriority(g_Net.MiniportDriver, 64, NETNDIS_TAG, NetNdisNormalPoolPriority);
    CHECK(p != NULL);
    if (p != NULL) {
        for (i = 0; i < 64; i++)
            p[i] = (UCHAR)i;
        CHECK(p[63] == 63);
        NdisFreeMemoryWithTagPriority(g_Net.MiniportDriver, p, NETNDIS_TAG);
    }
    CHECK(NdisAllocateMemoryWithTagPriority(g_Net.MiniportDriver, 0, NETNDIS_TAG, NetNdisNormalPoolPriority) == NULL);
    /* NdisFreeMemory frees it too (the legacy form; MemoryFlags 0 for nonpaged memory). */
    q = (PUCHAR)NdisAllocateMemoryWithTagPriority(g_Net.MiniportDriver, 16, NETNDIS_TAG, NetNdisLowPoolPriority);
    CHECK(q != NULL);
    if (q != NULL)
        NdisFreeMemory(q, 16, 0);

    RtlZeroMemory(&s, sizeof(s));
    NdisInitializeString(&s, (PUCHAR)"netkvm");
    RtlInitUnicodeString(&expect, L"netkvm");
    CHECK(s.Buffer != NULL && s.Length == 12 && s.MaximumLength == 14);
    CHECK(RtlEqualUnicodeString(&s, &expect, FALSE));
    if (s.Buffer != NULL)
        CHECK(s.Buffer[6] == 0);
    NdisFreeString(s);
    NdisInitializeString(&s, (PUCHAR)"");
    CHECK(s.Buffer != NULL && s.Length == 0 && s.MaximumLength == 2);
    NdisFreeString(s);
    return failures;
}

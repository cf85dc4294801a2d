/*
 * The Rtl registry helpers on the driver's service key: RtlWriteRegistryValue creating the
 * path, RtlCheckRegistryKey, RtlQueryRegistryValues with direct entries (DWORD, string into a
 * caller buffer and into pool, binary with a size prefix), a query routine over a multi-string,
 * defaults, REQUIRED, SUBKEY, DELETE, and RtlDeleteRegistryValue.
 */
#include "apisys.h"

#define PARAMS L"ApiSys\\Parameters"

typedef struct _SEEN {
    int Calls;
    WCHAR Last[16];
    ULONG Types;
} SEEN;

static NTSTATUS NTAPI OnValue(PWSTR Name, ULONG Type, PVOID Data, ULONG Length, PVOID Context, PVOID EntryContext)
{
    SEEN *seen = (SEEN *)EntryContext;
    UNREFERENCED_PARAMETER(Name);
    UNREFERENCED_PARAMETER(Context);
    seen->Calls++;
    seen->Types |= 1u << Type;
    if (Type == REG_SZ && Length <= sizeof(seen->Last)) RtlCopyMemory(seen->Last, Data, Length);
    return STATUS_SUCCESS;
}

int TestWriteRegistry(void)
{
    int failures = 0;
    ULONG level = 7;
    UCHAR blob[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    static const WCHAR multi[] = L"one\0two\0three\0";

    CHECK(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, PARAMS) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"ApiSys") == STATUS_SUCCESS);
    CHECK(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, PARAMS, L"Level", REG_DWORD, &level, sizeof(level)) == STATUS_SUCCESS);
    CHECK(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, PARAMS) == STATUS_SUCCESS);
    CHECK(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, PARAMS, L"Name", REG_SZ, L"widget", sizeof(L"widget")) == STATUS_SUCCESS);
    CHECK(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, PARAMS, L"Blob", REG_BINARY, blob, sizeof(blob)) == STATUS_SUCCESS);
    CHECK(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, PARAMS, L"List", REG_MULTI_SZ, (PVOID)multi, sizeof(multi)) == STATUS_SUCCESS);
    CHECK(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, PARAMS L"\\Sub", L"Inner", REG_DWORD, &level, sizeof(level)) == STATUS_SUCCESS);
    CHECK(RtlWriteRegistryValue(RTL_REGISTRY_ABSOLUTE, L"\\Registry\\Machine\\Software\\ApiSys", L"Abs", REG_DWORD, &level, sizeof(level)) == STATUS_SUCCESS);
    CHECK(RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE, L"relative\\path") == STATUS_OBJECT_PATH_SYNTAX_BAD);
    return failures;
}

int TestQueryRegistry(void)
{
    int failures = 0;
    RTL_QUERY_REGISTRY_TABLE table[8];
    ULONG level = 0, missing = 0, def = 99, inner = 0;
    UNICODE_STRING name, pooled;
    WCHAR nameBuffer[32];
    LONG blob[6];
    SEEN seen;
    NTSTATUS st;

    failures += TestWriteRegistry();

    RtlZeroMemory(table, sizeof(table));
    RtlZeroMemory(&seen, sizeof(seen));
    name.Buffer = nameBuffer;
    name.Length = 0;
    name.MaximumLength = sizeof(nameBuffer);
    RtlZeroMemory(&pooled, sizeof(pooled));
    blob[0] = -(LONG)sizeof(blob);

    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
    table[0].Name = L"Level";
    table[0].EntryContext = &level;
    table[1].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[1].Name = L"Name";
    table[1].EntryContext = &name;
    table[2].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[2].Name = L"Name";
    table[2].EntryContext = &pooled;
    table[3].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[3].Name = L"Missing";
    table[3].EntryContext = &missing;
    table[3].DefaultType = REG_DWORD;
    table[3].DefaultData = &def;
    table[3].DefaultLength = sizeof(def);
    table[4].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[4].Name = L"Blob";
    table[4].EntryContext = blob;
    table[5].QueryRoutine = OnValue;
    table[5].Name = L"List";
    table[5].EntryContext = &seen;
    st = RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, PARAMS, table, NULL, NULL);
    CHECK(st == STATUS_SUCCESS);
    CHECK(level == 7);
    CHECK(name.Length == 12 && RtlCompareMemory(name.Buffer, L"widget", 12) == 12);
    CHECK(pooled.Buffer != NULL && pooled.Length == 12);
    RtlFreeUnicodeString(&pooled);
    CHECK(missing == 99);
    CHECK(((UCHAR *)blob)[0] == 1 && ((UCHAR *)blob)[11] == 12);
    /* A multi-string reaches the routine one REG_SZ at a time. */
    CHECK(seen.Calls == 3 && seen.Types == (1u << REG_SZ) && RtlCompareMemory(seen.Last, L"three", 10) == 10);

    /* REQUIRED and missing: fails; OPTIONAL key missing: succeeds without calls. */
    RtlZeroMemory(table, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
    table[0].Name = L"Missing";
    table[0].EntryContext = &missing;
    CHECK(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, PARAMS, table, NULL, NULL) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES | RTL_REGISTRY_OPTIONAL, L"NoSuchService", table, NULL, NULL) == STATUS_SUCCESS);
    CHECK(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"NoSuchService", table, NULL, NULL) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* SUBKEY then a value in it; DELETE removes the value after reading it. */
    RtlZeroMemory(table, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
    table[0].Name = L"Sub";
    table[1].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_DELETE;
    table[1].Name = L"Inner";
    table[1].EntryContext = &inner;
    CHECK(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, PARAMS, table, NULL, NULL) == STATUS_SUCCESS && inner == 7);
    inner = 0;
    CHECK(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, PARAMS, table, NULL, NULL) == STATUS_SUCCESS && inner == 0);

    /* A caller buffer too small for the string. */
    RtlZeroMemory(table, sizeof(table));
    name.MaximumLength = 4;
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[0].Name = L"Name";
    table[0].EntryContext = &name;
    CHECK(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, PARAMS, table, NULL, NULL) == STATUS_BUFFER_TOO_SMALL);

    CHECK(RtlDeleteRegistryValue(RTL_REGISTRY_SERVICES, PARAMS, L"Blob") == STATUS_SUCCESS);
    CHECK(RtlDeleteRegistryValue(RTL_REGISTRY_SERVICES, PARAMS, L"Blob") == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}

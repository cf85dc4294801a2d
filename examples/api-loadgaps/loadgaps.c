/*
 * apiloadgaps.sys — DriverEntry, the checks' bookkeeping, IoQueryFullDriverPath,
 * ExIsManufacturingModeEnabled, IoGetIommuInterface and wcstoul. DriverUnload prints the totals
 * ("apiloadgaps: N checks, M failures"), which the test reads.
 */
#include "loadgaps.h"

static ULONG g_Checks, g_Failures;
static PDEVICE_OBJECT g_Device;

VOID Check(BOOLEAN ok, PCSTR what)
{
    g_Checks++;
    if (!ok) {
        g_Failures++;
        DbgPrint("apiloadgaps: FAILED %s\n", what);
    }
}

static ULONG ReadMode(PUNICODE_STRING RegistryPath)
{
    OBJECT_ATTRIBUTES oa;
    HANDLE key;
    UNICODE_STRING name;
    UCHAR buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    ULONG got = 0, mode = ModeNormal;

    InitializeObjectAttributes(&oa, RegistryPath, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&key, KEY_READ, &oa)))
        return ModeNormal;
    RtlInitUnicodeString(&name, L"Mode");
    if (NT_SUCCESS(ZwQueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(buffer), &got)) &&
        info->Type == REG_DWORD && info->DataLength == sizeof(ULONG))
        mode = *(ULONG UNALIGNED *)info->Data;
    ZwClose(key);
    return mode;
}

static VOID TestDriverPath(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING path, suffix;
    NTSTATUS status;

    path.Length = 0xdead; path.Buffer = NULL;
    status = IoQueryFullDriverPath(DriverObject, &path);
    Check(status == STATUS_SUCCESS && path.Buffer != NULL && path.MaximumLength >= path.Length + sizeof(WCHAR), "IoQueryFullDriverPath fills the string");
    if (NT_SUCCESS(status)) {
        RtlInitUnicodeString(&suffix, L"\\apiloadgaps.sys");
        Check(path.Length > suffix.Length && RtlSuffixUnicodeString(&suffix, &path, TRUE), "the path ends in \\apiloadgaps.sys");
        Check(path.Buffer[0] == L'\\', "the path is a full NT path");
        DbgPrint("apiloadgaps: path %wZ\n", &path);
        ExFreePool(path.Buffer); /* paged pool the routine allocated */
    }
}

/* IoOpenDriverRegistryKey(DriverRegKeyParameters) is the service key's Parameters subkey. */
static VOID TestDriverKey(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    HANDLE key = NULL, again = NULL;
    UNICODE_STRING value, path;
    OBJECT_ATTRIBUTES oa;
    ULONG probe = 0x1803, got = 0;
    UCHAR buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    WCHAR text[256];

    Check(IoOpenDriverRegistryKey(DriverObject, DriverRegKeyParameters, KEY_ALL_ACCESS, 1, &key) == STATUS_INVALID_PARAMETER, "IoOpenDriverRegistryKey(Flags 1): STATUS_INVALID_PARAMETER");
    Check(IoOpenDriverRegistryKey(DriverObject, (DRIVER_REGKEY_TYPE)7, KEY_ALL_ACCESS, 0, &key) == STATUS_INVALID_PARAMETER, "IoOpenDriverRegistryKey(type 7): STATUS_INVALID_PARAMETER");
    Check(IoOpenDriverRegistryKey(DriverObject, DriverRegKeyParameters, KEY_ALL_ACCESS, 0, NULL) == STATUS_INVALID_PARAMETER, "IoOpenDriverRegistryKey(NULL handle): STATUS_INVALID_PARAMETER");
    Check(IoOpenDriverRegistryKey(DriverObject, DriverRegKeyParameters, KEY_ALL_ACCESS, 0, &key) == STATUS_SUCCESS && key != NULL, "IoOpenDriverRegistryKey(DriverRegKeyParameters)");
    if (key == NULL) return;
    RtlInitUnicodeString(&value, L"Probe");
    Check(NT_SUCCESS(ZwSetValueKey(key, &value, 0, REG_DWORD, &probe, sizeof(probe))), "ZwSetValueKey in the Parameters key");
    ZwClose(key);
    /* The same value through <RegistryPath>\Parameters. */
    path.Buffer = text; path.Length = 0; path.MaximumLength = sizeof(text);
    RtlAppendUnicodeStringToString(&path, RegistryPath);
    RtlAppendUnicodeToString(&path, L"\\Parameters");
    InitializeObjectAttributes(&oa, &path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    Check(NT_SUCCESS(ZwOpenKey(&again, KEY_READ, &oa)), "<RegistryPath>\\Parameters exists");
    if (again != NULL) {
        Check(NT_SUCCESS(ZwQueryValueKey(again, &value, KeyValuePartialInformation, info, sizeof(buffer), &got)) && *(ULONG UNALIGNED *)info->Data == 0x1803, "the value written through the handle is there");
        ZwClose(again);
    }
}

static VOID TestWcstoul(VOID)
{
    WCHAR *end = NULL;
    static const WCHAR spaced[] = L"  +1234xyz", hexa[] = L"0x1F", octal[] = L"017", big[] = L"99999999999", neg[] = L"-1", none[] = L"zz", zerox[] = L"0xg";

    Check(wcstoul(spaced, &end, 10) == 1234 && end == spaced + 7, "wcstoul: spaces, sign, stops at x");
    Check(wcstoul(hexa, &end, 0) == 0x1f && end == hexa + 4, "wcstoul base 0: 0x prefix is hex");
    Check(wcstoul(hexa, NULL, 16) == 0x1f, "wcstoul base 16 takes the 0x prefix");
    Check(wcstoul(octal, &end, 0) == 15 && end == octal + 3, "wcstoul base 0: leading 0 is octal");
    Check(wcstoul(big, &end, 10) == 0xffffffffUL && end == big + 11, "wcstoul overflow: ULONG_MAX");
    Check(wcstoul(neg, NULL, 10) == 0xffffffffUL, "wcstoul -1: negated modulo 2^32");
    Check(wcstoul(none, &end, 10) == 0 && end == none, "wcstoul no digits: 0, end = string");
    Check(wcstoul(zerox, &end, 16) == 0 && end == zerox + 1, "wcstoul \"0xg\": the 0 only");
    Check(wcstoul(spaced, &end, 1) == 0 && end == spaced, "wcstoul base 1: nothing converted");
    Check(wcstoul(L"z", NULL, 36) == 35, "wcstoul base 36: z is 35");
}

static VOID DriverUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PerfUnload();
    if (g_Device != NULL)
        IoDeleteDevice(g_Device);
    DbgPrint("apiloadgaps: perf callbacks %lu\n", g_PerfCalls);
    DbgPrint("apiloadgaps: %lu checks, %lu failures\n", g_Checks, g_Failures);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name;
    NTSTATUS status;
    UCHAR iommu[64];
    ULONG mode = ReadMode(RegistryPath);

    RtlInitUnicodeString(&name, L"\\Device\\ApiLoadGaps");
    status = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Device);
    if (!NT_SUCCESS(status))
        return status;
    DriverObject->DriverUnload = DriverUnload;

    TestDriverPath(DriverObject);
    TestDriverKey(DriverObject, RegistryPath);
    Check(ExIsManufacturingModeEnabled() == FALSE, "ExIsManufacturingModeEnabled: a retail machine");
    Check(IoGetIommuInterface(1, NULL) == STATUS_INVALID_PARAMETER, "IoGetIommuInterface(NULL)");
    Check(IoGetIommuInterface(1, iommu) == STATUS_NOT_SUPPORTED, "IoGetIommuInterface: no IOMMU");
    TestWcstoul();
    TestPerf(g_Device, mode);
    TestTimers(mode);
    DbgPrint("apiloadgaps: DriverEntry %lu checks, %lu failures\n", g_Checks, g_Failures);
    return STATUS_SUCCESS;
}

/*
 * apifresh.sys — ZwQuerySystemInformation(SystemFirmwareTableInformation): the SMBIOS table
 * ('RSMB') checked against the registry values Windows derives from it
 * (HARDWARE\DESCRIPTION\System\BIOS), the ACPI tables ('ACPI': enumerate, then each table's
 * checksum), the raw firmware areas ('FIRM') against the BIOS ROM's signature bytes, and the
 * buffer protocol (too short: STATUS_BUFFER_TOO_SMALL with the size needed).
 */
#include "fresh.h"

#define RSMB 0x52534D42
#define ACPI 0x41435049
#define FIRM 0x4649524D
#define FRESH_HEADER 16

static UCHAR g_Table[0x21000];

static NTSTATUS Query(ULONG provider, ULONG action, ULONG id, ULONG length, PULONG needed)
{
    PFRESH_FIRMWARE_TABLE_INFORMATION info = (PFRESH_FIRMWARE_TABLE_INFORMATION)g_Table;
    RtlZeroMemory(g_Table, FRESH_HEADER);
    info->ProviderSignature = provider;
    info->Action = action;
    info->TableID = id;
    return ZwQuerySystemInformation(SystemFirmwareTableInformationClass, info, length, needed);
}

/* The n-th (1-based) string of the SMBIOS structure at p (formatted length p[1]). */
static PCSTR SmbiosString(PUCHAR p, UCHAR n)
{
    PCSTR s = (PCSTR)(p + p[1]);
    if (n == 0)
        return "";
    while (--n > 0)
        s += strlen(s) + 1;
    return s;
}

static BOOLEAN RegistryIs(PCWSTR value, PCSTR expected)
{
    UNICODE_STRING key, name;
    OBJECT_ATTRIBUTES oa;
    HANDLE h;
    UCHAR buffer[256];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    ULONG got, i;
    BOOLEAN same = FALSE;
    RtlInitUnicodeString(&key, L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\BIOS");
    InitializeObjectAttributes(&oa, &key, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&h, KEY_READ, &oa)))
        return FALSE;
    RtlInitUnicodeString(&name, value);
    if (NT_SUCCESS(ZwQueryValueKey(h, &name, KeyValuePartialInformation, info, sizeof(buffer), &got)) && info->Type == REG_SZ) {
        PWCHAR w = (PWCHAR)info->Data;
        same = TRUE;
        for (i = 0; expected[i] != 0 || w[i] != 0; i++)
            if (w[i] != (WCHAR)(UCHAR)expected[i]) { same = FALSE; break; }
    }
    ZwClose(h);
    return same;
}

static VOID TestSmbios(VOID)
{
    PFRESH_FIRMWARE_TABLE_INFORMATION info = (PFRESH_FIRMWARE_TABLE_INFORMATION)g_Table;
    ULONG needed = 0, length, types = 0;
    PUCHAR raw, p, end;

    Check(Query(RSMB, 0, 0, sizeof(g_Table), &needed) == STATUS_SUCCESS && info->TableBufferLength == 4 && *(PULONG)info->TableBuffer == 0, "RSMB enumerates one table, ID 0");
    Check(Query(RSMB, 1, 0, FRESH_HEADER, &needed) == STATUS_BUFFER_TOO_SMALL && info->TableBufferLength > 8 && needed == FRESH_HEADER + info->TableBufferLength, "a header-only buffer: STATUS_BUFFER_TOO_SMALL with the size needed");
    length = info->TableBufferLength;
    Check(Query(RSMB, 1, 0, FRESH_HEADER + length, &needed) == STATUS_SUCCESS && info->TableBufferLength == length, "RSMB Get with the size needed");
    raw = info->TableBuffer;
    Check(raw[1] >= 2 && *(PULONG)(raw + 4) == length - 8, "RawSMBIOSData: an SMBIOS version and the table's Length");
    p = raw + 8;
    end = p + *(PULONG)(raw + 4);
    /* Walk the structures: each is its formatted area, then strings ending in a double NUL. */
    while (p + 4 <= end) {
        PUCHAR q = p + p[1];
        if (p[0] < 32) types |= 1u << p[0];
        if (p[0] == 0) {
            Check(RegistryIs(L"BIOSVendor", SmbiosString(p, p[4])), "BIOS vendor = the registry's BIOSVendor");
            Check(RegistryIs(L"BIOSVersion", SmbiosString(p, p[5])), "BIOS version = the registry's BIOSVersion");
            Check(RegistryIs(L"BIOSReleaseDate", SmbiosString(p, p[8])), "BIOS date = the registry's BIOSReleaseDate");
        }
        if (p[0] == 1) {
            Check(RegistryIs(L"SystemManufacturer", SmbiosString(p, p[4])), "system manufacturer = the registry's SystemManufacturer");
            Check(RegistryIs(L"SystemProductName", SmbiosString(p, p[5])), "product = the registry's SystemProductName");
        }
        if (p[0] == 2)
            Check(RegistryIs(L"BaseBoardProduct", SmbiosString(p, p[5])), "board = the registry's BaseBoardProduct");
        if (p[0] == 127)
            break;
        while (q + 1 < end && (q[0] != 0 || q[1] != 0))
            q++;
        p = q + 2;
    }
    Check((types & 0x7) == 0x7 && p < end && p[0] == 127, "types 0, 1 and 2, then the end-of-table structure");
}

static VOID TestAcpi(VOID)
{
    PFRESH_FIRMWARE_TABLE_INFORMATION info = (PFRESH_FIRMWARE_TABLE_INFORMATION)g_Table;
    ULONG ids[16], count, i, j, needed;
    Check(Query(ACPI, 0, 0, sizeof(g_Table), &needed) == STATUS_SUCCESS && info->TableBufferLength >= 4 && info->TableBufferLength % 4 == 0, "ACPI enumerates table signatures");
    count = info->TableBufferLength / 4;
    if (count > 16) count = 16;
    RtlCopyMemory(ids, info->TableBuffer, count * 4);
    for (i = 0; i < count; i++) {
        UCHAR sum = 0;
        Check(Query(ACPI, 1, ids[i], sizeof(g_Table), &needed) == STATUS_SUCCESS, "ACPI Get of an enumerated table");
        Check(*(PULONG)info->TableBuffer == ids[i] && *(PULONG)(info->TableBuffer + 4) == info->TableBufferLength, "the table starts with its signature and length");
        for (j = 0; j < info->TableBufferLength; j++)
            sum = (UCHAR)(sum + info->TableBuffer[j]);
        Check(sum == 0, "the table's bytes sum to 0 (its checksum)");
        if (ids[i] == 0x43495041 /* 'APIC' */)
            Check(info->TableBuffer[44] == 0 && info->TableBuffer[45] == 8 && (info->TableBuffer[48] & 1), "the MADT lists an enabled local APIC first");
    }
    Check(Query(ACPI, 1, 0x54534554 /* 'TEST' */, sizeof(g_Table), &needed) == STATUS_NOT_FOUND, "an ACPI table that is not there: STATUS_NOT_FOUND");
}

VOID TestFirmware(VOID)
{
    PFRESH_FIRMWARE_TABLE_INFORMATION info = (PFRESH_FIRMWARE_TABLE_INFORMATION)g_Table;
    ULONG needed = 0;
    Check(ZwQuerySystemInformation(SystemFirmwareTableInformationClass, g_Table, 8, &needed) == STATUS_INFO_LENGTH_MISMATCH, "a buffer shorter than the header: STATUS_INFO_LENGTH_MISMATCH");
    Check(Query(0x4B4D444C, 0, 0, sizeof(g_Table), &needed) != STATUS_SUCCESS, "an unknown provider fails");
    TestSmbios();
    TestAcpi();
    /* FIRM: the option ROM at C0000h starts 55h AAh (PCI Firmware Specification 3.0). */
    Check(Query(FIRM, 0, 0, sizeof(g_Table), &needed) == STATUS_SUCCESS && info->TableBufferLength == 8 && ((PULONG)info->TableBuffer)[0] == 0xC0000 && ((PULONG)info->TableBuffer)[1] == 0xE0000, "FIRM enumerates C0000h and E0000h");
    Check(Query(FIRM, 1, 0xC0000, sizeof(g_Table), &needed) == STATUS_SUCCESS && info->TableBufferLength == 0x20000 && info->TableBuffer[0] == 0x55 && info->TableBuffer[1] == 0xAA, "FIRM C0000h: the video option ROM's 55h AAh");
}

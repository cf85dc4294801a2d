/*
 * ExGetSystemFirmwareTable / ExEnumerateSystemFirmwareTables (Learn, ntddk.h; ASIX's
 * AxUsbEth.sys reads the SMBIOS table so): the size first with a NULL buffer, then the table;
 * both agree with ZwQuerySystemInformation(SystemFirmwareTableInformation).
 */
#include "qafresh7.h"

#define QA_RSMB 0x52534D42 /* 'RSMB' */
#define QA_ACPI 0x41435049 /* 'ACPI' */
#define QA_STATUS_ILLEGAL_FUNCTION ((NTSTATUS)0xC00000AFL)

__declspec(dllexport) ULONG TestFirmwareTables(void)
{
    ULONG failures = 0;
    ULONG need = 0, ids[32], got = 0, first = 0;
    UCHAR *table;
    /* SMBIOS: one table, ID 0; its size, then RawSMBIOSData { Used20CallingMethod, Major, Minor, DmiRevision, Length, data }. */
    CHECK(ExEnumerateSystemFirmwareTables(QA_RSMB, NULL, 0, &need) == STATUS_BUFFER_TOO_SMALL && need == sizeof(ULONG));
    CHECK(ExEnumerateSystemFirmwareTables(QA_RSMB, ids, sizeof(ids), &got) == STATUS_SUCCESS && got == sizeof(ULONG) && ids[0] == 0);
    need = 0;
    CHECK(ExGetSystemFirmwareTable(QA_RSMB, 0, NULL, 0, &need) == STATUS_BUFFER_TOO_SMALL && need > 8);
    table = ExAllocatePoolWithTag(NonPagedPoolNx, need + 16, 'wf7Q');
    CHECK(table != NULL);
    if (table == NULL) return failures;
    CHECK(ExGetSystemFirmwareTable(QA_RSMB, 0, table, 4, &got) == STATUS_BUFFER_TOO_SMALL && got == need);
    CHECK(ExGetSystemFirmwareTable(QA_RSMB, 0, table, need + 16, &got) == STATUS_SUCCESS && got == need);
    CHECK(*(ULONG *)(table + 4) + 8 == need && table[1] >= 2);
    CHECK(ExGetSystemFirmwareTable(QA_RSMB, 0, table, need, NULL) == STATUS_SUCCESS);
    ExFreePoolWithTag(table, 'wf7Q');
    /* ACPI: the IDs are the table signatures; a table starts with its own signature. */
    CHECK(ExEnumerateSystemFirmwareTables(QA_ACPI, ids, sizeof(ids), &got) == STATUS_SUCCESS && got >= sizeof(ULONG) && got % sizeof(ULONG) == 0);
    first = ids[0];
    need = 0;
    CHECK(ExGetSystemFirmwareTable(QA_ACPI, first, NULL, 0, &need) == STATUS_BUFFER_TOO_SMALL && need >= 36);
    table = ExAllocatePoolWithTag(NonPagedPoolNx, need, 'wf7Q');
    CHECK(table != NULL);
    if (table == NULL) return failures;
    CHECK(ExGetSystemFirmwareTable(QA_ACPI, first, table, need, &got) == STATUS_SUCCESS && got == need);
    CHECK(*(ULONG *)table == first && *(ULONG *)(table + 4) == need);
    /* An unknown table, an unknown provider. */
    CHECK(ExGetSystemFirmwareTable(QA_ACPI, 0x58585858, table, need, &got) == STATUS_NOT_FOUND);
    CHECK(ExGetSystemFirmwareTable(0x41424344, 0, table, need, &got) == QA_STATUS_ILLEGAL_FUNCTION);
    ExFreePoolWithTag(table, 'wf7Q');
    return failures;
}

#ifdef _WIN64
NTKERNELAPI VOID NTAPI PoSetSystemWakeDevice(PDEVICE_OBJECT DeviceObject);
#endif

/* PoSetSystemWakeDevice (Surface's battery and button drivers call it on wake): nothing to
 * record on a machine that never slept; the call returns. Windows Server 2022+, no x86. */
__declspec(dllexport) ULONG TestSystemWakeDevice(void)
{
    ULONG failures = 0;
#ifdef _WIN64
    PDEVICE_OBJECT dev = NULL;
    CHECK(IoCreateDevice(QaDriver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev) == STATUS_SUCCESS);
    if (dev != NULL) {
        PoSetSystemWakeDevice(dev);
        IoDeleteDevice(dev);
    }
#endif
    return failures;
}

/* battc.sys!BatteryClassUpdateData (Learn, batclass.h): a battery miniclass driver imports it;
 * the image must load (kmdll has no battery stack: a call is reported as a gap). */
__declspec(dllimport) NTSTATUS NTAPI BatteryClassUpdateData(PVOID ClassData, PVOID UpdateData);
static PVOID volatile Resolved;

__declspec(dllexport) ULONG TestBatteryClassUpdateDataResolves(void)
{
    ULONG failures = 0;
    Resolved = (PVOID)BatteryClassUpdateData;
    CHECK(Resolved != NULL);
    return failures;
}

/*
 * qahyperv.sys - lessons from hypervisor-style drivers (docs/qa.md session 12, HyperPlatform's
 * GuardMon.sys): the Test* exports.
 */
#include "qahyperv.h"

/*
 * The PTE base out of MmGetVirtualForPhysical's code (x64) must be the page tables' self-map:
 * the PTE of a nonpaged address, at PTE_BASE + ((va >> 9) & 0x7FFFFFFFF8), names the frame
 * MmGetPhysicalAddress gives for it. On x86 the pattern is not there (0).
 */
int TestPteBase(void)
{
    int failures = 0;
    ULONG_PTR pteBase = FindPteBase();
#ifdef _WIN64
    PUCHAR block = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, PAGE_SIZE, 'vHaQ');
    CHECK(pteBase != 0);
    CHECK((pteBase & 0x7FFFFFFFFFULL) == 0); /* a PML4 slot's base: 512 GiB aligned */
    CHECK(pteBase >= 0xFFFF800000000000ULL);
    CHECK(block != NULL);
    if (pteBase != 0 && block != NULL) {
        ULONG64 *pte = (ULONG64 *)(pteBase + (((ULONG_PTR)block >> 9) & 0x7FFFFFFFF8ULL));
        PHYSICAL_ADDRESS pa = MmGetPhysicalAddress(block);
        CHECK(MmIsAddressValid(pte));
        if (MmIsAddressValid(pte)) {
            CHECK((*pte & 1) != 0); /* present */
            CHECK(((*pte >> 12) & 0xFFFFFFFFFULL) == (ULONG64)(pa.QuadPart >> 12));
        }
    }
    if (block != NULL)
        ExFreePoolWithTag(block, 'vHaQ');
#else
    CHECK(pteBase == 0);
#endif
    return failures;
}

/* MmGetPhysicalMemoryRanges' array comes from pool tagged 'hPmM': freeing it with that tag is right. */
int TestPhysicalRangesTag(void)
{
    int failures = 0;
    PPHYSICAL_MEMORY_RANGE ranges = MmGetPhysicalMemoryRanges();
    CHECK(ranges != NULL);
    if (ranges != NULL) {
        CHECK(ranges[0].NumberOfBytes.QuadPart != 0);
        ExFreePoolWithTag(ranges, PHYS_RANGES_TAG);
    }
    return failures;
}

/*
 * Without KE_PROCESSOR_CHANGE_ADD_EXISTING nothing is called (no processor is added on a running
 * machine); with it, a start notification for every active processor, then a completion for each.
 */
int TestProcessorChange(void)
{
    int failures = 0;
    PROC_CHANGE_LOG quiet, existing;
    PVOID h1, h2;
    ULONG n = KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS), i;

    RtlZeroMemory(&quiet, sizeof(quiet));
    RtlZeroMemory(&existing, sizeof(existing));
    CHECK(KeRegisterProcessorChangeCallback(NULL, &quiet, 0) == NULL);
    h1 = KeRegisterProcessorChangeCallback(RecordProcessorChange, &quiet, 0);
    CHECK(h1 != NULL);
    CHECK(quiet.Calls == 0);
    h2 = KeRegisterProcessorChangeCallback(RecordProcessorChange, &existing, KE_PROCESSOR_CHANGE_ADD_EXISTING);
    CHECK(h2 != NULL && h2 != h1);
    CHECK(n >= 1 && n <= 8);
    CHECK(existing.Calls == 2 * n);
    CHECK(existing.Starts == n && existing.Completes == n);
    CHECK(existing.LastNtNumber == n - 1);
    for (i = 0; i < n && i < 8; i++) {
        CHECK(existing.Order[i] == KeProcessorAddStartNotify);
        CHECK(existing.Order[n + i] == KeProcessorAddCompleteNotify);
    }
    if (h1 != NULL)
        KeDeregisterProcessorChangeCallback(h1);
    if (h2 != NULL)
        KeDeregisterProcessorChangeCallback(h2);
    return failures;
}

/* A start notification the callback fails: no registration (NULL), as Learn's sample expects. */
int TestProcessorChangeFails(void)
{
    int failures = 0;
    PROC_CHANGE_LOG log;
    RtlZeroMemory(&log, sizeof(log));
    log.FailWith = STATUS_INSUFFICIENT_RESOURCES;
    CHECK(KeRegisterProcessorChangeCallback(RecordProcessorChange, &log, KE_PROCESSOR_CHANGE_ADD_EXISTING) == NULL);
    CHECK(log.Starts >= 1 && log.Completes == 0);
    return failures;
}

/* Left registered: reported at unload (the test expects the finding). */
static PROC_CHANGE_LOG KeptLog;
int TestProcessorChangeKept(void)
{
    int failures = 0;
    CHECK(KeRegisterProcessorChangeCallback(RecordProcessorChange, &KeptLog, 0) != NULL);
    return failures;
}

/* Deregistering something that was never registered: a bug check report (the test expects it). */
int TestProcessorChangeBadHandle(void)
{
    KeDeregisterProcessorChangeCallback((PVOID)(ULONG_PTR)0x1234);
    return 0;
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
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

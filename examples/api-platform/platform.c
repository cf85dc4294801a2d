/*
 * apiplat.sys - debugger state, power information, driver paging, Driver Verifier, feature
 * staging, multibyte conversions, the module list, thread notify (Ex) and IoTryQueueWorkItem.
 */
#include "apiplat.h"

/* The linker's symbol for the image's first byte (its DOS header). */
extern UCHAR __ImageBase[];

int TestDebugger(void)
{
    int failures = 0;
    BOOLEAN block = TRUE;

    /* The machine is booted without debug controls (Learn: STATUS_DEBUGGER_INACTIVE). */
    CHECK(KdDisableDebugger() == STATUS_DEBUGGER_INACTIVE_);
    CHECK(KdEnableDebugger() == STATUS_DEBUGGER_INACTIVE_);
    CHECK(KdChangeOption(KD_OPTION_SET_BLOCK_ENABLE, sizeof(block), &block, 0, NULL, NULL) == STATUS_DEBUGGER_INACTIVE_);
    return failures;
}

int TestPower(void)
{
    int failures = 0;
    PLAT_POWER_PLATFORM platform;
    PLAT_CPU_POWER cpus[8];
    PLAT_BATTERY_STATE battery;
    ULONG n = KeQueryActiveProcessorCount(NULL), i;

    RtlFillMemory(&platform, sizeof(platform), 0xCC);
    CHECK(ZwPowerInformation((POWER_INFORMATION_LEVEL)PLAT_PlatformInformation, NULL, 0, &platform, sizeof(platform)) == STATUS_SUCCESS);
    CHECK(platform.AoAc == FALSE);

    CHECK(n >= 1 && n <= ARRAY_LEN(cpus));
    RtlZeroMemory(cpus, sizeof(cpus));
    CHECK(ZwPowerInformation((POWER_INFORMATION_LEVEL)PLAT_ProcessorInformation, NULL, 0, cpus, n * sizeof(cpus[0])) == STATUS_SUCCESS);
    for (i = 0; i < n; i++) {
        CHECK(cpus[i].Number == i);
        CHECK(cpus[i].MaxMhz != 0 && cpus[i].CurrentMhz <= cpus[i].MaxMhz && cpus[i].MhzLimit <= cpus[i].MaxMhz);
    }
    /* One entry per processor: a byte short is too small. */
    CHECK(ZwPowerInformation((POWER_INFORMATION_LEVEL)PLAT_ProcessorInformation, NULL, 0, cpus, n * sizeof(cpus[0]) - 1) == STATUS_BUFFER_TOO_SMALL);

    RtlZeroMemory(&battery, sizeof(battery));
    CHECK(sizeof(battery) == 32);
    CHECK(ZwPowerInformation((POWER_INFORMATION_LEVEL)PLAT_SystemBatteryState, NULL, 0, &battery, sizeof(battery)) == STATUS_SUCCESS);
    CHECK(battery.AcOnLine && !battery.BatteryPresent && !battery.Discharging);
    return failures;
}

int TestPaging(void)
{
    int failures = 0;
    PVOID pool = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'galP');

    /* The handle is the base of the image holding the address. */
    CHECK(MmPageEntireDriver((PVOID)TestPaging) == (PVOID)__ImageBase);
    MmResetDriverPaging((PVOID)TestPaging);
    CHECK(pool != NULL && MmPageEntireDriver(pool) == NULL);
    if (pool) ExFreePoolWithTag(pool, 'galP');
    return failures;
}

int TestVerifier(void)
{
    int failures = 0;
    ULONG flags = 0;
    NTSTATUS st = MmIsVerifierEnabled(&flags);

    /* Enabled: the flags of Driver Verifier's standard settings; disabled: STATUS_NOT_SUPPORTED. */
    CHECK((st == STATUS_SUCCESS && flags == 0x209BB) || (st == STATUS_NOT_SUPPORTED && flags == 0));
    return failures;
}

static VOID NTAPI FeatureChanged(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
}

int TestFeatures(void)
{
    int failures = 0;
    PFN_QUERY_FEATURE query = (PFN_QUERY_FEATURE)PlatRoutine(L"RtlQueryFeatureConfiguration");
    PFN_FEATURE_STAMP stamp = (PFN_FEATURE_STAMP)PlatRoutine(L"RtlQueryFeatureConfigurationChangeStamp");
    PFN_REGISTER_FEATURE reg = (PFN_REGISTER_FEATURE)PlatRoutine(L"RtlRegisterFeatureConfigurationChangeNotification");
    PFN_UNREGISTER_FEATURE unreg = (PFN_UNREGISTER_FEATURE)PlatRoutine(L"RtlUnregisterFeatureConfigurationChangeNotification");
    ULONGLONG s1, s2 = 0;
    UCHAR config[16];
    PVOID handle = NULL;

    CHECK(query && stamp && reg && unreg);
    if (!query || !stamp || !reg || !unreg) return failures;
    /* No feature is configured: the caller keeps its defaults. */
    CHECK(query(12345678, 1, &s2, config) == STATUS_NOT_FOUND);
    s1 = stamp();
    CHECK(stamp() == s1);
    CHECK(reg(FeatureChanged, NULL, &s1, &handle) == STATUS_SUCCESS && handle != NULL);
    CHECK(unreg(handle) == STATUS_SUCCESS);
    return failures;
}

int TestMultiByte(void)
{
    int failures = 0;
    wchar_t w[16];
    char c[16];

    /* NULL destination: the length the conversion needs, without the terminator. */
    CHECK(mbstowcs(NULL, "driver", 0) == 6);
    RtlFillMemory(w, sizeof(w), 0x55);
    CHECK(mbstowcs(w, "driver", ARRAY_LEN(w)) == 6 && w[0] == L'd' && w[5] == L'r' && w[6] == 0);
    /* count reached: no terminator, the rest untouched. */
    RtlFillMemory(w, sizeof(w), 0x55);
    CHECK(mbstowcs(w, "driver", 3) == 3 && w[2] == L'i' && w[3] == 0x5555);
    CHECK(mbstowcs(w, NULL, 4) == (size_t)-1);

    CHECK(wcstombs(NULL, L"kernel", 0) == 6);
    RtlFillMemory(c, sizeof(c), 0x55);
    CHECK(wcstombs(c, L"kernel", sizeof(c)) == 6 && c[0] == 'k' && c[5] == 'l' && c[6] == 0);
    RtlFillMemory(c, sizeof(c), 0x55);
    CHECK(wcstombs(c, L"kernel", 2) == 2 && c[1] == 'e' && c[2] == 0x55);
    /* Outside the ANSI code page: the default character. */
    CHECK(wcstombs(c, L"a\x20AC", sizeof(c)) == 2 && c[0] == 'a' && c[1] == '?');
    return failures;
}

int TestModuleList(void)
{
    int failures = 0;
    ULONG need = 0, got = 0, i;
    PLAT_MODULES *full, *part;

    CHECK(ZwQuerySystemInformation(11, NULL, 0, &need) == STATUS_INFO_LENGTH_MISMATCH && need > sizeof(PLAT_MODULE));
    full = (PLAT_MODULES *)ExAllocatePoolWithTag(NonPagedPoolNx, need, 'galP');
    part = (PLAT_MODULES *)ExAllocatePoolWithTag(NonPagedPoolNx, need, 'galP');
    CHECK(full && part);
    if (!full || !part) goto out;
    CHECK(ZwQuerySystemInformation(11, full, need, &got) == STATUS_SUCCESS && got == need);
    CHECK(full->NumberOfModules >= 2);
    /* Ten bytes short (as some vendor drivers ask): the count and every entry that fits whole. */
    RtlFillMemory(part, need, 0xEE);
    CHECK(ZwQuerySystemInformation(11, part, need - 10, &got) == STATUS_INFO_LENGTH_MISMATCH && got == need);
    CHECK(part->NumberOfModules == full->NumberOfModules);
    for (i = 0; i + 1 < full->NumberOfModules; i++)
        CHECK(part->Modules[i].ImageBase == full->Modules[i].ImageBase && part->Modules[i].ImageSize == full->Modules[i].ImageSize);
out:
    if (full) ExFreePoolWithTag(full, 'galP');
    if (part) ExFreePoolWithTag(part, 'galP');
    return failures;
}

static VOID ThreadCreated(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ThreadId);
    UNREFERENCED_PARAMETER(Create);
}

static VOID ProcessCreated(PEPROCESS Process, HANDLE ProcessId, PVOID CreateInfo)
{
    UNREFERENCED_PARAMETER(Process);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(CreateInfo);
}

int TestThreadNotifyEx(void)
{
    int failures = 0;
    PFN_THREAD_NOTIFY_EX setEx = (PFN_THREAD_NOTIFY_EX)PlatRoutine(L"PsSetCreateThreadNotifyRoutineEx");
    PFN_PROCESS_NOTIFY_EX2 setEx2 = (PFN_PROCESS_NOTIFY_EX2)PlatRoutine(L"PsSetCreateProcessNotifyRoutineEx2");

    CHECK(setEx != NULL);
    if (!setEx) return failures;
    CHECK(setEx(2, (PVOID)ThreadCreated) == STATUS_INVALID_PARAMETER);
    CHECK(setEx(0, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(setEx(0, (PVOID)ThreadCreated) == STATUS_SUCCESS);
    /* Removed like a PsSetCreateThreadNotifyRoutine registration; the second removal finds nothing. */
    CHECK(PsRemoveCreateThreadNotifyRoutine(ThreadCreated) == STATUS_SUCCESS);
    CHECK(PsRemoveCreateThreadNotifyRoutine(ThreadCreated) != STATUS_SUCCESS);

    /* Ex2 knows PsCreateProcessNotifySubsystems only, and (as Ex) wants an image linked with
       /INTEGRITYCHECK, which this one is not. */
    CHECK(setEx2 != NULL);
    if (!setEx2) return failures;
    CHECK(setEx2(1, (PVOID)ProcessCreated, FALSE) == STATUS_INVALID_PARAMETER);
    CHECK(setEx2(0, (PVOID)ProcessCreated, FALSE) == STATUS_ACCESS_DENIED);
    CHECK(setEx2(0, (PVOID)ProcessCreated, TRUE) == STATUS_INVALID_PARAMETER);
    return failures;
}

static DEVICE_OBJECT g_Device;
typedef struct _TRY_CONTEXT {
    KEVENT Done;
    LONG Runs;
    PIO_WORKITEM Item;
} TRY_CONTEXT;

static VOID NTAPI TryWork(PVOID IoObject, PVOID Context, PIO_WORKITEM Item)
{
    TRY_CONTEXT *c = (TRY_CONTEXT *)Context;
    if (IoObject == &g_Device && Item == c->Item) InterlockedIncrement(&c->Runs);
    KeSetEvent(&c->Done, IO_NO_INCREMENT, FALSE);
}

int TestTryQueueWorkItem(void)
{
    int failures = 0;
    PFN_TRY_QUEUE tryQueue = (PFN_TRY_QUEUE)PlatRoutine(L"IoTryQueueWorkItem");
    TRY_CONTEXT c;

    CHECK(tryQueue != NULL);
    if (!tryQueue) return failures;
    RtlZeroMemory(&c, sizeof(c));
    KeInitializeEvent(&c.Done, SynchronizationEvent, FALSE);
    c.Item = IoAllocateWorkItem(&g_Device);
    CHECK(c.Item != NULL);
    if (!c.Item) return failures;
    /* Taken by a worker: TRUE; the routine runs later on a system thread, with the item. */
    CHECK(tryQueue(c.Item, TryWork, DelayedWorkQueue, &c) == TRUE);
    CHECK(c.Runs == 0);
    CHECK(KeWaitForSingleObject(&c.Done, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS && c.Runs == 1);
    IoFreeWorkItem(c.Item);
    return failures;
}

int WildPower(void)
{
    /* The output buffer is the caller's: a wild one faults in ZwPowerInformation. */
    return (int)ZwPowerInformation((POWER_INFORMATION_LEVEL)PLAT_PlatformInformation, NULL, 0, WILD_POINTER, 1);
}

int WildMultiByte(void)
{
    return (int)mbstowcs(NULL, (const char *)WILD_POINTER, 0);
}

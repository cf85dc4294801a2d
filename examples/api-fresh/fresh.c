/*
 * apifresh.sys — DriverEntry, the checks' bookkeeping, IoGetDriverDirectory, file system
 * registration changes, PoFx crash-dump devices, ExQueryTimerResolution and sqrt. DriverUnload
 * prints the totals ("apifresh: N checks, M failures"), which the test reads.
 */
#include "fresh.h"

/* clang references _fltused when floating point is used, as MSVC does; the WDK's libraries define it. */
int _fltused = 0x9875;

static ULONG g_Checks, g_Failures;
ULONG g_Mode;
PDEVICE_OBJECT g_Control;
static ULONG g_FsCalls, g_FsDisk, g_FsMup, g_FsInactive, g_FsExCalls;

VOID Check(BOOLEAN ok, PCSTR what)
{
    g_Checks++;
    if (!ok) {
        g_Failures++;
        DbgPrint("apifresh: FAILED %s\n", what);
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

/* IoGetDriverDirectory: argument checks, then the image directory as a root for ZwOpenFile. */
static VOID TestDriverDirectory(PDRIVER_OBJECT DriverObject)
{
    HANDLE dir = NULL, file = NULL;
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING name;
    IO_STATUS_BLOCK iosb;
    NTSTATUS status;

    Check(IoGetDriverDirectory(DriverObject, DriverDirectoryImage, 0, NULL) == STATUS_INVALID_PARAMETER, "IoGetDriverDirectory(NULL handle): STATUS_INVALID_PARAMETER");
    Check(IoGetDriverDirectory(NULL, DriverDirectoryImage, 0, &dir) == STATUS_INVALID_PARAMETER, "IoGetDriverDirectory(NULL driver): STATUS_INVALID_PARAMETER");
    Check(IoGetDriverDirectory(DriverObject, DriverDirectoryImage, 1, &dir) == STATUS_INVALID_PARAMETER, "IoGetDriverDirectory(Flags 1): STATUS_INVALID_PARAMETER");
    Check(IoGetDriverDirectory(DriverObject, DriverDirectorySharedData, 0, &dir) == STATUS_INVALID_PARAMETER, "IoGetDriverDirectory(DriverDirectorySharedData) on Windows 10: STATUS_INVALID_PARAMETER");
    Check(dir == NULL, "failed calls leave the handle alone");
    status = IoGetDriverDirectory(DriverObject, DriverDirectoryImage, 0, &dir);
    Check(status == STATUS_SUCCESS && dir != NULL, "IoGetDriverDirectory(DriverDirectoryImage)");
    if (dir == NULL)
        return;
    /* Our own image is in that directory: open it relative to the handle. */
    RtlInitUnicodeString(&name, L"apifresh.sys");
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, dir, NULL);
    status = ZwOpenFile(&file, FILE_READ_DATA | SYNCHRONIZE, &oa, &iosb, FILE_SHARE_READ, FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE);
    Check(status == STATUS_SUCCESS, "ZwOpenFile(apifresh.sys) relative to the image directory");
    if (file != NULL) {
        UCHAR mz[2] = { 0, 0 };
        LARGE_INTEGER at;
        at.QuadPart = 0;
        Check(NT_SUCCESS(ZwReadFile(file, NULL, NULL, NULL, &iosb, mz, 2, &at, NULL)) && mz[0] == 'M' && mz[1] == 'Z', "the file there is our image (MZ)");
        ZwClose(file);
    }
    Check(NT_SUCCESS(ZwClose(dir)), "ZwClose of the directory handle");
}

/* DRIVER_FS_NOTIFICATION: called at once for every registered file system. */
static VOID NTAPI FsChange(PDEVICE_OBJECT DeviceObject, BOOLEAN FsActive)
{
    g_FsCalls++;
    if (!FsActive)
        g_FsInactive++;
    if (DeviceObject->DeviceType == FILE_DEVICE_DISK_FILE_SYSTEM)
        g_FsDisk++;
    if (DeviceObject->DeviceType == FILE_DEVICE_MULTI_UNC_PROVIDER)
        g_FsMup++;
}
static VOID NTAPI FsChangeEx(PDEVICE_OBJECT DeviceObject, BOOLEAN FsActive)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (FsActive)
        g_FsExCalls++;
}

static VOID TestFsRegistration(PDRIVER_OBJECT DriverObject)
{
    Check(IoRegisterFsRegistrationChange(DriverObject, FsChange) == STATUS_SUCCESS, "IoRegisterFsRegistrationChange");
    Check(g_FsCalls == 2 && g_FsDisk == 1 && g_FsMup == 1 && g_FsInactive == 0, "the routine ran for NTFS and MUP before the call returned (FsActive TRUE)");
    Check(IoRegisterFsRegistrationChange(DriverObject, FsChange) == STATUS_DEVICE_ALREADY_ATTACHED, "registering the same routine again: STATUS_DEVICE_ALREADY_ATTACHED");
    Check(g_FsCalls == 2, "a refused registration calls nothing");
    Check(IoRegisterFsRegistrationChangeEx(DriverObject, FsChangeEx) == STATUS_SUCCESS && g_FsExCalls == 2, "IoRegisterFsRegistrationChangeEx: the same two calls");
    IoUnregisterFsRegistrationChange(DriverObject, FsChangeEx);
    Check(IoRegisterFsRegistrationChangeEx(DriverObject, FsChangeEx) == STATUS_SUCCESS && g_FsExCalls == 4, "after unregistering, registering again succeeds");
    IoUnregisterFsRegistrationChange(DriverObject, FsChangeEx);
    IoUnregisterFsRegistrationChange(DriverObject, FsChangeEx); /* not registered: nothing happens */
    /* The Vista form: the same registration, ordered with mounts in progress (none here). */
    Check(IoRegisterFsRegistrationChangeMountAware(DriverObject, FsChangeEx, TRUE) == STATUS_SUCCESS && g_FsExCalls == 6, "IoRegisterFsRegistrationChangeMountAware: the same two calls");
    Check(IoRegisterFsRegistrationChangeMountAware(DriverObject, FsChangeEx, FALSE) == STATUS_DEVICE_ALREADY_ATTACHED && g_FsExCalls == 6, "MountAware: the same pair again is refused");
    IoUnregisterFsRegistrationChange(DriverObject, FsChangeEx);
}

/* PoFx without a PEP: crash-dump registration cannot succeed. */
static VOID NTAPI Cond(PVOID Context, ULONG Component) { UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(Component); }
static VOID NTAPI IdleState(PVOID Context, ULONG Component, ULONG State) { UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(Component); UNREFERENCED_PARAMETER(State); }
static VOID NTAPI Power(PVOID Context) { UNREFERENCED_PARAMETER(Context); }

static VOID TestCrashdump(PDEVICE_OBJECT device)
{
    static PO_FX_COMPONENT_IDLE_STATE states[1] = { { 0, 0, 0 } };
    PO_FX_DEVICE_V1 d;
    POHANDLE h = NULL;
    RtlZeroMemory(&d, sizeof(d));
    d.Version = PO_FX_VERSION_V1;
    d.ComponentCount = 1;
    d.ComponentActiveConditionCallback = Cond;
    d.ComponentIdleConditionCallback = Cond;
    d.ComponentIdleStateCallback = IdleState;
    d.DevicePowerRequiredCallback = Power;
    d.DevicePowerNotRequiredCallback = Power;
    d.Components[0].IdleStateCount = 1;
    d.Components[0].IdleStates = states;
    Check(PoFxRegisterCrashdumpDevice((POHANDLE)(ULONG_PTR)0x1234) == STATUS_INVALID_PARAMETER, "PoFxRegisterCrashdumpDevice(not a handle): STATUS_INVALID_PARAMETER");
    Check(PoFxPowerOnCrashdumpDevice((POHANDLE)(ULONG_PTR)0x1234, NULL) == STATUS_INVALID_PARAMETER, "PoFxPowerOnCrashdumpDevice(not a handle): STATUS_INVALID_PARAMETER");
    if (!NT_SUCCESS(PoFxRegisterDevice(device, &d, &h)) || h == NULL) {
        Check(FALSE, "PoFxRegisterDevice");
        return;
    }
    Check(PoFxRegisterCrashdumpDevice(h) == STATUS_UNSUCCESSFUL, "PoFxRegisterCrashdumpDevice without a PEP: STATUS_UNSUCCESSFUL");
    Check(PoFxPowerOnCrashdumpDevice(h, NULL) == STATUS_UNSUCCESSFUL, "PoFxPowerOnCrashdumpDevice without a PEP: STATUS_UNSUCCESSFUL");
    PoFxUnregisterDevice(h);
}

static VOID TestClock(VOID)
{
    ULONG max = 0, min = 0, cur = 0;
    ExQueryTimerResolution(&max, &min, &cur);
    Check(min > 0 && min <= cur && cur <= max, "ExQueryTimerResolution: minimum <= current <= maximum");
    Check(cur == KeQueryTimeIncrement(), "the current resolution is the clock increment");
}

/* sqrt: the argument and the result in XMM0 (volatile keeps the compiler from folding). */
static VOID TestSqrt(VOID)
{
    volatile double two = 2.0, sixteen = 16.0, minusOne = -1.0, zero = -0.0;
    double r = sqrt(sixteen), n, z;
    ULONG64 bits;
    Check(r == 4.0, "sqrt(16) == 4");
    r = sqrt(two);
    RtlCopyMemory(&bits, &r, sizeof(bits));
    Check(bits == 0x3FF6A09E667F3BCDull, "sqrt(2) is the correctly rounded double 0x3FF6A09E667F3BCD");
    n = sqrt(minusOne);
    Check(n != n, "sqrt(-1) is a NaN");
    z = sqrt(zero);
    RtlCopyMemory(&bits, &z, sizeof(bits));
    Check(bits == 0x8000000000000000ull, "sqrt(-0.0) is -0.0");
}

static VOID NTAPI DriverUnload(PDRIVER_OBJECT DriverObject)
{
    if (g_Mode != ModeKeepFsRegistration)
        IoUnregisterFsRegistrationChange(DriverObject, FsChange);
    if (g_Control != NULL)
        IoDeleteDevice(g_Control);
    DbgPrint("apifresh: %lu checks, %lu failures\n", g_Checks, g_Failures);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING devName;
    NTSTATUS status;

    g_Mode = ReadMode(RegistryPath);
    if (g_Mode == ModeScanSyscallEntry) {
        /* What x64 SSDT hookers do (lea r10, [KeServiceDescriptorTable] is 4C 8D 15 in KiSystemServiceRepeat). */
        PUCHAR entry = (PUCHAR)__readmsr(0xC0000082 /* IA32_LSTAR */);
        ULONG i;
        for (i = 0; i < 4096; i++)
            if (entry[i] == 0x4C && entry[i + 1] == 0x8D && entry[i + 2] == 0x15)
                break;
        DbgPrint("apifresh: lea r10 at +%lu\n", i);
    }
    if (g_Mode == ModeProbeThenDecline) {
        /* SystemModuleInformation (11): the size first, then the list; then the driver declines. */
        ULONG need = 0;
        PVOID list;
        if (ZwQuerySystemInformation(11, NULL, 0, &need) != STATUS_INFO_LENGTH_MISMATCH || need == 0)
            return STATUS_INVALID_PARAMETER;
        list = ExAllocatePoolWithTag(NonPagedPool, need, 'hsrF');
        if (list == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        if (!NT_SUCCESS(ZwQuerySystemInformation(11, list, need, &need))) {
            ExFreePoolWithTag(list, 'hsrF');
            return STATUS_INVALID_PARAMETER;
        }
        ExFreePoolWithTag(list, 'hsrF');
        return STATUS_UNSUCCESSFUL; /* e.g. a module it looks for is not in the list */
    }
    RtlInitUnicodeString(&devName, L"\\Device\\ApiFresh");
    status = IoCreateDevice(DriverObject, 0, &devName, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Control);
    if (!NT_SUCCESS(status))
        return status;
    g_Control->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->DriverUnload = DriverUnload;
    DriverObject->MajorFunction[IRP_MJ_PNP] = FreshDispatchPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = FreshDispatchPower;
    DriverObject->DriverExtension->AddDevice = FreshAddDevice;

    TestDriverDirectory(DriverObject);
    TestFsRegistration(DriverObject);
    TestCrashdump(g_Control);
    TestClock();
    TestSqrt();
    TestIoSpace();
    TestFirmware();
    TestInterrupts(g_Control);
    DbgPrint("apifresh: DriverEntry %lu checks, %lu failures\n", g_Checks, g_Failures);
    return STATUS_SUCCESS;
}

/*
 * apiboot.sys — the rest: the Base Filtering Engine's state (fwpkclnt.sys), the \SystemRoot
 * symbolic link, ExGetPreviousMode's code as drivers scan it for KTHREAD.PreviousMode, and the
 * stubs (RtlCreateUserThread, HalDma*CrashDumpRegistersEx) answering with checked errors.
 */
#include "apiboot.h"

static HANDLE g_Bfe;
static ULONG g_BfeCalls;

static VOID NTAPI BfeChanged(PVOID Context, FWPM_SERVICE_STATE NewState)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(NewState);
    g_BfeCalls++;
}

static VOID TestBfe(PDEVICE_OBJECT device)
{
    HANDLE h = NULL;
    Check(FwpmBfeStateGet0() == FWPM_SERVICE_RUNNING, "FwpmBfeStateGet0 is RUNNING");
    Check(FwpmBfeStateSubscribeChanges0(NULL, BfeChanged, NULL, &h) == STATUS_INVALID_PARAMETER, "FwpmBfeStateSubscribeChanges0(NULL device)");
    Check(FwpmBfeStateSubscribeChanges0(device, NULL, NULL, &h) == STATUS_INVALID_PARAMETER, "FwpmBfeStateSubscribeChanges0(NULL callback)");
    Check(FwpmBfeStateSubscribeChanges0(device, BfeChanged, NULL, &g_Bfe) == STATUS_SUCCESS && g_Bfe != NULL, "FwpmBfeStateSubscribeChanges0");
    Check(FwpmBfeStateUnsubscribeChanges0((HANDLE)(ULONG_PTR)0x4321) == STATUS_INVALID_PARAMETER, "FwpmBfeStateUnsubscribeChanges0(unknown handle)");
}

static VOID TestSystemRoot(VOID)
{
    UNICODE_STRING name, target, expected;
    OBJECT_ATTRIBUTES oa;
    HANDLE link = NULL;
    WCHAR buffer[64];
    ULONG length = 0;

    RtlInitUnicodeString(&name, L"\\SystemRoot");
    RtlInitUnicodeString(&expected, L"\\Device\\HarddiskVolume1\\Windows");
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    Check(ZwOpenSymbolicLinkObject(&link, GENERIC_READ, &oa) == STATUS_SUCCESS, "ZwOpenSymbolicLinkObject(\\SystemRoot)");
    if (link == NULL)
        return;
    target.Buffer = buffer;
    target.Length = 0;
    target.MaximumLength = 8;
    Check(ZwQuerySymbolicLinkObject(link, &target, &length) == STATUS_BUFFER_TOO_SMALL && length == expected.Length, "ZwQuerySymbolicLinkObject(short buffer)");
    target.MaximumLength = sizeof(buffer);
    Check(ZwQuerySymbolicLinkObject(link, &target, &length) == STATUS_SUCCESS && RtlEqualUnicodeString(&target, &expected, TRUE), "\\SystemRoot -> \\Device\\HarddiskVolume1\\Windows");
    ZwClose(link);
}

/*
 * The scan Avast's drivers make: the 4 bytes before the first `00 00 C3` in the first 32 bytes of
 * ExGetPreviousMode are the displacement of `mov al, [rax+disp32]`, KTHREAD.PreviousMode.
 */
static VOID TestPreviousModeScan(VOID)
{
    UNICODE_STRING name;
    PUCHAR code;
    ULONG i, offset = 0;

    RtlInitUnicodeString(&name, L"ExGetPreviousMode");
    code = (PUCHAR)MmGetSystemRoutineAddress(&name);
    Check(code != NULL, "MmGetSystemRoutineAddress(ExGetPreviousMode)");
    if (code == NULL)
        return;
    for (i = 4; i < 32; i++)
        if (code[i] == 0xC3 && code[i - 1] == 0 && code[i - 2] == 0) {
            offset = *(ULONG UNALIGNED *)(code + i - 4);
            break;
        }
    Check(offset == 0x232, "ExGetPreviousMode's code names KTHREAD.PreviousMode at 0x232");
    if (offset == 0x232)
        Check(*((PUCHAR)KeGetCurrentThread() + offset) == (UCHAR)ExGetPreviousMode(), "KTHREAD.PreviousMode is ExGetPreviousMode()");
}

static VOID NTAPI UserStart(PVOID Parameter) { UNREFERENCED_PARAMETER(Parameter); }

static VOID TestStubs(VOID)
{
    HANDLE thread = NULL;
    PVOID base = NULL;
    ULONG available = 0;
    Check(RtlCreateUserThread(NtCurrentProcess(), NULL, FALSE, 0, 0, 0, NULL, NULL, &thread, NULL) == STATUS_INVALID_PARAMETER, "RtlCreateUserThread(NULL start)");
    Check(RtlCreateUserThread((HANDLE)(ULONG_PTR)0x1234, NULL, FALSE, 0, 0, 0, (PVOID)UserStart, NULL, &thread, NULL) == STATUS_INVALID_HANDLE, "RtlCreateUserThread(bad process handle)");
    Check(RtlCreateUserThread(NtCurrentProcess(), NULL, FALSE, 0, 0, 0, (PVOID)UserStart, NULL, &thread, NULL) == STATUS_NOT_SUPPORTED && thread == NULL, "RtlCreateUserThread: no user-mode threads");
    Check(HalDmaAllocateCrashDumpRegistersEx(NULL, 1, 0, &base, &available) == STATUS_INVALID_PARAMETER && base == NULL, "HalDmaAllocateCrashDumpRegistersEx(no adapter)");
    Check(HalDmaFreeCrashDumpRegistersEx(NULL, 5) == STATUS_INVALID_PARAMETER, "HalDmaFreeCrashDumpRegistersEx(bad type)");
}

/* HalDispatchTable (ntddk.h HAL_DISPATCH): a version and non-NULL routines, as on Windows. */
static VOID TestHalDispatch(ULONG mode)
{
    ULONG returned = 0;
    UCHAR buffer[16];
    /* ntddk.h's macros: HalDispatchTableVersion and HalQuerySystemInformation read HALDISPATCH. */
    Check(HalDispatchTableVersion == HAL_DISPATCH_VERSION, "HalDispatchTable->Version is HAL_DISPATCH_VERSION");
    Check(HalQuerySystemInformation != NULL, "HalDispatchTable->HalQuerySystemInformation is not NULL");
    if (mode == ModeHalDispatch)
        HalQuerySystemInformation(HalInstalledBusInformation, sizeof(buffer), buffer, &returned);
}

VOID TestMisc(PDEVICE_OBJECT device, ULONG mode)
{
    TestHalDispatch(mode);
    TestBfe(device);
    TestSystemRoot();
    TestPreviousModeScan();
    TestStubs();
}

VOID MiscUnload(VOID)
{
    if (g_Bfe != NULL)
        Check(FwpmBfeStateUnsubscribeChanges0(g_Bfe) == STATUS_SUCCESS, "FwpmBfeStateUnsubscribeChanges0");
    g_Bfe = NULL;
    Check(g_BfeCalls == 0, "BFE never changes state here");
}

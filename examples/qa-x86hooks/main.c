/*
 * qax86hooks.sys — lessons from rootkit-era x86 drivers (docs/qa.md, helper "x86hooks"). Each
 * Test* export returns the number of failed checks (apitest.h's CHECK prints each failure).
 *
 * CR0.WP: rootkit.com's SSDT hooks (kzwenum, JiurlPortHide) bracket their store with
 *     mov eax, cr0 / and eax, not 10000h / mov cr0, eax   ...   or eax, 10000h / mov cr0, eax
 * With WP (bit 16) clear, supervisor-mode stores ignore read-only pages (Intel SDM vol. 3A, 4.6.1);
 * 32-bit Windows has no PatchGuard, so this works there. A store into read-only memory with WP
 * set is ATTEMPTED_WRITE_TO_READONLY_MEMORY (0xBE) on Windows.
 */
#include <ntifs.h>
#include "../include/apitest.h"

#define CR0_WP 0x10000

/* Read-only data of our own image (.rdata): the store target. */
static const volatile ULONG ReadOnlyWord = 0x11111111;
static const volatile LONG ReadOnlyLong = 5;

static ULONG ReadCr0(void)
{
    ULONG v;
    __asm {
        mov eax, cr0
        mov v, eax
    }
    return v;
}

static void WriteCr0(ULONG v)
{
    __asm {
        mov eax, v
        mov cr0, eax
    }
}

/* Clear WP, store into .rdata with a plain mov and with InterlockedExchange (the usual hook
   store), set WP again: both stores land, CR0 reads back what was written. */
__declspec(dllexport) ULONG TestWpClearStores(void)
{
    ULONG failures = 0;
    ULONG cr0 = ReadCr0();
    LONG old;
    CHECK((cr0 & CR0_WP) != 0);
    WriteCr0(cr0 & ~CR0_WP);
    CHECK(ReadCr0() == (cr0 & ~CR0_WP));
    *(volatile ULONG *)&ReadOnlyWord = 0x22222222;
    old = InterlockedExchange((volatile LONG *)&ReadOnlyLong, 7);
    WriteCr0(cr0);
    CHECK(ReadCr0() == cr0);
    CHECK(ReadOnlyWord == 0x22222222);
    CHECK(old == 5);
    CHECK(ReadOnlyLong == 7);
    return failures;
}

/* With WP set the same store stops the run (0xBE on Windows): the test expects that fault. */
__declspec(dllexport) ULONG TestStoreWithWpSet(void)
{
    *(volatile ULONG *)&ReadOnlyWord = 0x33333333;
    return 1;
}

/* A CR0 change beyond WP (CD, bit 30: caching off) is not a driver's to make: dropped, an error. */
__declspec(dllexport) ULONG TestCr0OtherBits(void)
{
    ULONG failures = 0;
    ULONG cr0 = ReadCr0();
    WriteCr0(cr0 | 0x40000000);
    CHECK(ReadCr0() == cr0);
    return failures;
}

/*
 * The 8042 keyboard controller (ports 0x60 data, 0x64 status/command), as keyboard tools poll it
 * (inp.sys): wait for the input buffer to empty (status bit 1) before each write, for the
 * output buffer to fill (bit 0) before each read. Commands (IBM PS/2 technical reference):
 * AAh self-test → 55h, 20h read configuration byte, 60h write it, D2h echo a byte as if typed;
 * a byte sent to the keyboard (F2h identify) is acknowledged (FAh) and answered (ABh 83h).
 */
#define KBC_DATA   ((PUCHAR)0x60)
#define KBC_STATUS ((PUCHAR)0x64)

static BOOLEAN KbcWaitInputEmpty(void)
{
    ULONG i;
    for (i = 0; i < 1000; i++)
        if ((READ_PORT_UCHAR(KBC_STATUS) & 2) == 0) return TRUE;
    return FALSE;
}

static BOOLEAN KbcRead(PUCHAR value)
{
    ULONG i;
    for (i = 0; i < 1000; i++)
        if (READ_PORT_UCHAR(KBC_STATUS) & 1) {
            *value = READ_PORT_UCHAR(KBC_DATA);
            return TRUE;
        }
    return FALSE;
}

static void KbcCommand(UCHAR command)
{
    KbcWaitInputEmpty();
    WRITE_PORT_UCHAR(KBC_STATUS, command);
}

static void KbcData(UCHAR data)
{
    KbcWaitInputEmpty();
    WRITE_PORT_UCHAR(KBC_DATA, data);
}

__declspec(dllexport) ULONG TestKeyboardController(void)
{
    ULONG failures = 0;
    UCHAR b = 0, config = 0;
    CHECK(KbcWaitInputEmpty());
    CHECK((READ_PORT_UCHAR(KBC_STATUS) & 1) == 0); /* nothing to read yet */
    KbcCommand(0xAA);
    CHECK(KbcRead(&b) && b == 0x55);
    KbcCommand(0x20);
    CHECK(KbcRead(&config));
    KbcCommand(0x60);
    KbcData((UCHAR)(config | 0x10)); /* keyboard clock off */
    KbcCommand(0x20);
    CHECK(KbcRead(&b) && b == (UCHAR)(config | 0x10));
    KbcCommand(0x60);
    KbcData(config);
    KbcCommand(0xD2);
    KbcData(0x1E); /* the 'A' make code, as if typed */
    CHECK((READ_PORT_UCHAR(KBC_STATUS) & 0x21) == 0x01); /* keyboard data, not the mouse's */
    CHECK(KbcRead(&b) && b == 0x1E);
    CHECK((READ_PORT_UCHAR(KBC_STATUS) & 1) == 0);
    KbcData(0xF2); /* identify */
    CHECK(KbcRead(&b) && b == 0xFA);
    CHECK(KbcRead(&b) && b == 0xAB);
    CHECK(KbcRead(&b) && b == 0x83);
    CHECK(!KbcRead(&b));
    return failures;
}

/*
 * ObCreateObject hands its caller the object's one reference (ReactOS ObpAllocateObject:
 * PointerCount 1). The IrpCreateFile idiom of anti-rootkits (CheckKernelHook, ReloadKernel)
 * creates a FILE_OBJECT with it, sends IRP_MJ_CREATE to the file system itself, and on failure
 * drops that reference with ObDereferenceObject: its own, not the kernel's.
 */
__declspec(dllexport) ULONG TestCreatedObjectDereferenced(void)
{
    ULONG failures = 0;
    OBJECT_ATTRIBUTES oa;
    PVOID obj = NULL;
    InitializeObjectAttributes(&oa, NULL, OBJ_CASE_INSENSITIVE, NULL, NULL);
    CHECK(ObCreateObject(KernelMode, *IoFileObjectType, &oa, KernelMode, NULL, sizeof(FILE_OBJECT), 0, 0, &obj) == STATUS_SUCCESS);
    if (obj != NULL) ObDereferenceObject(obj);
    return failures;
}

/* Created and never inserted nor dereferenced: the driver's reference leaks. */
__declspec(dllexport) ULONG TestCreatedObjectKept(void)
{
    ULONG failures = 0;
    OBJECT_ATTRIBUTES oa;
    PVOID obj = NULL;
    InitializeObjectAttributes(&oa, NULL, OBJ_CASE_INSENSITIVE, NULL, NULL);
    CHECK(ObCreateObject(KernelMode, *IoFileObjectType, &oa, KernelMode, NULL, sizeof(FILE_OBJECT), 0, 0, &obj) == STATUS_SUCCESS);
    return failures;
}

/*
 * sidt / lidt: the IDT register (6 bytes: 16-bit limit, 32-bit base). strace.sys patches the
 * int 2Eh gate in place and reloads the register; others load a copy of the table. 32-bit
 * Windows lets a driver do both (no PatchGuard on x86).
 */
#pragma pack(push, 1)
typedef struct _IDTR {
    USHORT Limit;
    ULONG Base;
} IDTR;
#pragma pack(pop)

static IDTR ReadIdtr(void)
{
    IDTR r;
    __asm { sidt r }
    return r;
}

static void LoadIdtr(IDTR *r)
{
    __asm {
        mov eax, r
        lidt [eax]
    }
}

__declspec(dllexport) ULONG TestIdtLoad(void)
{
    ULONG failures = 0;
    IDTR original = ReadIdtr(), now, copy;
    PVOID table;
    CHECK(original.Base != 0 && original.Limit == 256 * 8 - 1);
    LoadIdtr(&original); /* a reload */
    now = ReadIdtr();
    CHECK(now.Base == original.Base && now.Limit == original.Limit);
    table = ExAllocatePoolWithTag(NonPagedPool, original.Limit + 1, 'tdiQ');
    CHECK(table != NULL);
    if (table == NULL) return failures;
    RtlCopyMemory(table, (PVOID)(ULONG_PTR)original.Base, original.Limit + 1);
    copy.Base = (ULONG)(ULONG_PTR)table;
    copy.Limit = original.Limit;
    LoadIdtr(&copy);
    now = ReadIdtr();
    CHECK(now.Base == copy.Base);
    LoadIdtr(&original);
    now = ReadIdtr();
    CHECK(now.Base == original.Base);
    ExFreePoolWithTag(table, 'tdiQ');
    return failures;
}

/*
 * KPCR.KdVersionBlock (fs:[34h] on x86): the DBGKD_GET_VERSION64 (wdbgexts.h) through which
 * swap_hook.sys and other rootkit-era drivers reach PsLoadedModuleList without importing it.
 * Its addresses are 64-bit, sign-extended; the list's first entry (KLDR_DATA_TABLE_ENTRY,
 * DllBase at +18h, BaseDllName at +2Ch on x86) is ntoskrnl.exe, based at KernBase.
 */
#pragma pack(push, 1)
typedef struct _KD_VERSION {
    USHORT MajorVersion, MinorVersion;
    UCHAR ProtocolVersion, KdSecondaryVersion;
    USHORT Flags, MachineType;
    UCHAR MaxPacketType, MaxStateChange, MaxManipulate, Simulation;
    USHORT Unused;
    ULONGLONG KernBase, PsLoadedModuleList, DebuggerDataList;
} KD_VERSION;
#pragma pack(pop)

__declspec(dllimport) LIST_ENTRY PsLoadedModuleList;

__declspec(dllexport) ULONG TestKdVersionBlock(void)
{
    ULONG failures = 0;
    KD_VERSION *kd = (KD_VERSION *)__readfsdword(0x34);
    RTL_OSVERSIONINFOW v;
    PLIST_ENTRY first;
    PUNICODE_STRING name;
    UNICODE_STRING want = RTL_CONSTANT_STRING(L"ntoskrnl.exe");
    CHECK(kd != NULL);
    if (kd == NULL) return failures;
    v.dwOSVersionInfoSize = sizeof(v);
    CHECK(RtlGetVersion(&v) == STATUS_SUCCESS);
    CHECK(kd->MajorVersion == 0xF && kd->MinorVersion == (USHORT)v.dwBuildNumber);
    CHECK(kd->MachineType == 0x14C); /* IMAGE_FILE_MACHINE_I386 */
    CHECK(kd->PsLoadedModuleList == (ULONGLONG)(LONGLONG)(LONG)(ULONG_PTR)&PsLoadedModuleList);
    CHECK((kd->KernBase >> 32) == 0xFFFFFFFF); /* sign-extended kernel address */
    first = PsLoadedModuleList.Flink;
    CHECK(first != NULL && first != &PsLoadedModuleList);
    if (first == NULL || first == &PsLoadedModuleList) return failures;
    CHECK(*(ULONG *)((PUCHAR)first + 0x18) == (ULONG)kd->KernBase);
    name = (PUNICODE_STRING)((PUCHAR)first + 0x2C);
    CHECK(RtlEqualUnicodeString(name, &want, TRUE));
    CHECK(((PUCHAR)(ULONG_PTR)(ULONG)kd->KernBase)[0] == 'M' && ((PUCHAR)(ULONG_PTR)(ULONG)kd->KernBase)[1] == 'Z');
    return failures;
}

/*
 * Code in executable nonpaged pool: NonPagedPool is executable on Windows without HVCI
 * (NonPagedPoolNx, Windows 8 and later, is not). He4HookInv.sys copies its image into
 * NonPagedPool and runs the copy; inline-hook trampolines live there too.
 * The code: mov eax, 1234h / ret.
 */
typedef ULONG (NTAPI *POOL_ROUTINE)(void);
static const UCHAR ReturnCode[] = { 0xB8, 0x34, 0x12, 0x00, 0x00, 0xC3 };

static ULONG RunFromPool(POOL_TYPE type)
{
    PUCHAR code = (PUCHAR)ExAllocatePoolWithTag(type, 64, 'xeQ');
    ULONG r;
    if (code == NULL) return 0;
    RtlCopyMemory(code, ReturnCode, sizeof(ReturnCode));
    r = ((POOL_ROUTINE)code)();
    ExFreePoolWithTag(code, 'xeQ');
    return r;
}

__declspec(dllexport) ULONG TestExecutablePool(void)
{
    ULONG failures = 0;
    CHECK(RunFromPool(NonPagedPool) == 0x1234);
    CHECK(RunFromPool(NonPagedPoolMustSucceed) == 0x1234);
    return failures;
}

/* NonPagedPoolNx (512) is not executable: the call is an invalid fetch (the test expects it). */
__declspec(dllexport) ULONG TestNxPoolNotExecutable(void)
{
    return RunFromPool((POOL_TYPE)512);
}

/*
 * KeAddSystemServiceTable (exported, undocumented; win32k.sys adds table 1 with it at boot,
 * He4HookInv.sys adds one of its own): the descriptor goes to KeServiceDescriptorTableShadow
 * (0x40 bytes past KeServiceDescriptorTable on Windows 7 x86) and, for an index other than 1,
 * to KeServiceDescriptorTable too. Entries 0 and 1 are taken on a booted system; 4 tables.
 */
typedef struct _SERVICE_DESCRIPTOR {
    PULONG Base;
    PULONG Count;
    ULONG Limit;
    PUCHAR Number;
} SERVICE_DESCRIPTOR;

__declspec(dllimport) SERVICE_DESCRIPTOR KeServiceDescriptorTable[4];
NTKERNELAPI BOOLEAN NTAPI KeAddSystemServiceTable(PULONG Base, PULONG Count, ULONG Limit, PUCHAR Number, ULONG Index);

static ULONG MyServices[2];
static UCHAR MyArgs[2] = { 4, 8 };

__declspec(dllexport) ULONG TestAddServiceTable(void)
{
    ULONG failures = 0;
    SERVICE_DESCRIPTOR *shadow = (SERVICE_DESCRIPTOR *)((PUCHAR)KeServiceDescriptorTable + 0x40);
    /* The shadow table: the kernel's entry, then win32k's. */
    CHECK(shadow[0].Base == KeServiceDescriptorTable[0].Base && shadow[0].Limit == KeServiceDescriptorTable[0].Limit);
    CHECK(shadow[1].Base != NULL);
    CHECK(KeServiceDescriptorTable[1].Base == NULL && KeServiceDescriptorTable[2].Base == NULL);
    CHECK(!KeAddSystemServiceTable(MyServices, NULL, 2, MyArgs, 0));
    CHECK(!KeAddSystemServiceTable(MyServices, NULL, 2, MyArgs, 1));
    CHECK(!KeAddSystemServiceTable(MyServices, NULL, 2, MyArgs, 4));
    CHECK(KeAddSystemServiceTable(MyServices, NULL, 2, MyArgs, 2));
    CHECK(KeServiceDescriptorTable[2].Base == MyServices && KeServiceDescriptorTable[2].Limit == 2 && KeServiceDescriptorTable[2].Number == MyArgs);
    CHECK(shadow[2].Base == MyServices && shadow[2].Count == NULL);
    CHECK(!KeAddSystemServiceTable(MyServices, NULL, 2, MyArgs, 2)); /* taken now */
    return failures;
}

/*
 * Finding KeServiceDescriptorTableShadow (not exported) the two ways x86 rootkits and anti-rootkit
 * tools do (fresh6/x86 Monitor.sys does the first): scan KeAddSystemServiceTable's code for
 * `lea ecx, [eax + disp32]` (8D 88) and take the displacement; or take the dword at each byte
 * that is a valid address whose 16 bytes equal KeServiceDescriptorTable's and is not
 * KeServiceDescriptorTable itself. Both must land on the table 0x40 bytes past it (Windows 7).
 */
static SERVICE_DESCRIPTOR *ShadowByLea(void)
{
    PUCHAR p = (PUCHAR)KeAddSystemServiceTable;
    ULONG i;
    for (i = 0; i < 0x1000; i++, p++) {
        if (!MmIsAddressValid(p) || !MmIsAddressValid(p + 5))
            break;
        if (p[0] == 0x8D && p[1] == 0x88)
            return *(SERVICE_DESCRIPTOR **)(p + 2);
    }
    return NULL;
}

static SERVICE_DESCRIPTOR *ShadowByContents(void)
{
    PUCHAR p = (PUCHAR)KeAddSystemServiceTable;
    ULONG i;
    for (i = 0; i < 0x1000; i++, p++) {
        SERVICE_DESCRIPTOR *candidate;
        if (!MmIsAddressValid(p) || !MmIsAddressValid(p + 3))
            break;
        candidate = *(SERVICE_DESCRIPTOR **)p;
        if (candidate == KeServiceDescriptorTable || !MmIsAddressValid(candidate))
            continue;
        if (RtlCompareMemory(candidate, KeServiceDescriptorTable, sizeof(SERVICE_DESCRIPTOR)) == sizeof(SERVICE_DESCRIPTOR))
            return candidate;
    }
    return NULL;
}

__declspec(dllexport) ULONG TestFindShadowTable(void)
{
    ULONG failures = 0;
    SERVICE_DESCRIPTOR *expected = (SERVICE_DESCRIPTOR *)((PUCHAR)KeServiceDescriptorTable + 0x40);
    SERVICE_DESCRIPTOR *byLea = ShadowByLea();
    SERVICE_DESCRIPTOR *byContents = ShadowByContents();
    CHECK(byLea == expected);
    CHECK(byContents == expected);
    /* win32k's entry follows the kernel's (Monitor.sys takes the displacement + 16). */
    CHECK(byLea != NULL && byLea[1].Base != NULL && byLea[1].Base != KeServiceDescriptorTable[0].Base);
    /* The routine still works after its scanned bytes: table 0 is taken. */
    CHECK(!KeAddSystemServiceTable(MyServices, NULL, 2, MyArgs, 0));
    return failures;
}

/*
 * ZwDisplayString (Monitor.sys hooks it in the service table, then calls it): from kernel mode
 * the string is captured and, on a booted system (no boot video driver owning the screen), not
 * shown; the call succeeds. It goes through the service table like every x86 Zw routine.
 */
NTSYSAPI NTSTATUS NTAPI ZwDisplayString(PUNICODE_STRING String);

__declspec(dllexport) ULONG TestDisplayString(void)
{
    ULONG failures = 0;
    UNICODE_STRING text = RTL_CONSTANT_STRING(L"HelloWorld");
    UNICODE_STRING empty = { 0, 0, NULL };
    CHECK(ZwDisplayString(&text) == STATUS_SUCCESS);
    CHECK(ZwDisplayString(&empty) == STATUS_SUCCESS);
    return failures;
}

/* A wild UNICODE_STRING pointer faults (kernel-mode capture has no probe); the test expects it. */
__declspec(dllexport) ULONG TestDisplayStringWild(void)
{
    return (ULONG)ZwDisplayString((PUNICODE_STRING)(ULONG_PTR)0x10);
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

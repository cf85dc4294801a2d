/*
 * qafresh2.sys — lessons from a second held-out set of real drivers (docs/qa.md, issue 12, helper
 * "fresh2"), each on our own code. This file: the kernel's own state drivers read.
 *   - PsLoadedModuleList is an ntoskrnl.exe data export, the LIST_ENTRY head of the loaded-module
 *     list (three held-out drivers import it or ask MmGetSystemRoutineAddress for it, then look for
 *     win32k.sys in it): ntoskrnl.exe's entry first, hal.dll's second, the other modules a booted
 *     machine has loaded (win32k.sys...) and this driver's own DriverSection in it; each DllBase
 *     starts with an MZ header.
 *   - x64: KPCR.IdtBase points at the IDT, whose interrupt gates (selector 0x10, present, type 0xE)
 *     lead into ntoskrnl.exe's image: scanning down from a handler page by page meets ntoskrnl's
 *     MZ header (a held-out driver finds the kernel's base so).
 *   - x64: in Windows 10's ExGetPreviousMode (`mov rax, gs:[188h]; movzx eax, byte ptr
 *     [rax+232h]; ret`) the ULONG at +12 is KTHREAD.PreviousMode's offset, followed by the `ret`;
 *     a held-out driver reads it there and refuses to start otherwise. kmdll's thunk has the same
 *     bytes at +9..+16; the routines whose thunks lie under them still work.
 *   - PsRegisterPicoProvider refuses a driver started after boot with STATUS_TOO_LATE, its
 *     arguments unread.
 *   - ZwUnlockVirtualMemory undoes ZwLockVirtualMemory: STATUS_NOT_LOCKED for pages not locked.
 */
#include "qafresh2.h"

PDRIVER_OBJECT g_Qf2Driver;

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Qf2Driver = DriverObject;
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

QF2_LDR_ENTRY *Qf2FindModule(PCWSTR name)
{
    UNICODE_STRING want;
    PLIST_ENTRY e;
    ULONG n = 0;

    RtlInitUnicodeString(&want, name);
    for (e = PsLoadedModuleList.Flink; e != &PsLoadedModuleList && n < 256; e = e->Flink, n++) {
        QF2_LDR_ENTRY *m = CONTAINING_RECORD(e, QF2_LDR_ENTRY, InLoadOrderLinks);
        if (RtlEqualUnicodeString(&m->BaseDllName, &want, TRUE))
            return m;
    }
    return NULL;
}

int NTAPI TestLoadedModuleList(void)
{
    int failures = 0;
    UNICODE_STRING name, nt, hal;
    PLIST_ENTRY e;
    QF2_LDR_ENTRY *first, *second, *self = NULL, *win32k;
    ULONG n = 0;

    RtlInitUnicodeString(&name, L"PsLoadedModuleList");
    CHECK(MmGetSystemRoutineAddress(&name) == (PVOID)&PsLoadedModuleList);
    CHECK(PsLoadedModuleList.Flink != NULL && PsLoadedModuleList.Blink != NULL);
    if (PsLoadedModuleList.Flink == NULL)
        return failures;
    /* Circular, with consistent back links, and it holds this driver's own entry. */
    for (e = PsLoadedModuleList.Flink; e != &PsLoadedModuleList && n < 256; e = e->Flink, n++) {
        CHECK(e->Flink->Blink == e);
        if ((PVOID)e == g_Qf2Driver->DriverSection)
            self = (QF2_LDR_ENTRY *)e;
    }
    CHECK(e == &PsLoadedModuleList);
    CHECK(n >= 4);
    CHECK(self != NULL);
    RtlInitUnicodeString(&nt, L"ntoskrnl.exe");
    RtlInitUnicodeString(&hal, L"hal.dll");
    first = CONTAINING_RECORD(PsLoadedModuleList.Flink, QF2_LDR_ENTRY, InLoadOrderLinks);
    second = CONTAINING_RECORD(first->InLoadOrderLinks.Flink, QF2_LDR_ENTRY, InLoadOrderLinks);
    CHECK(RtlEqualUnicodeString(&first->BaseDllName, &nt, TRUE));
    CHECK(RtlEqualUnicodeString(&second->BaseDllName, &hal, TRUE));
    CHECK(first->DllBase != NULL && *(PUSHORT)first->DllBase == QF2_MZ);
    if (self != NULL) {
        RtlInitUnicodeString(&name, L"qafresh2.sys");
        CHECK(RtlEqualUnicodeString(&self->BaseDllName, &name, TRUE));
        CHECK(self->DllBase != NULL && *(PUSHORT)self->DllBase == QF2_MZ);
        CHECK((PUCHAR)&TestLoadedModuleList >= (PUCHAR)self->DllBase && (PUCHAR)&TestLoadedModuleList < (PUCHAR)self->DllBase + self->SizeOfImage);
    }
    /* What the held-out drivers look for: win32k.sys, with its PE header. */
    win32k = Qf2FindModule(L"win32k.sys");
    CHECK(win32k != NULL);
    if (win32k != NULL)
        CHECK(win32k->SizeOfImage != 0 && *(PUSHORT)win32k->DllBase == QF2_MZ);
    CHECK(Qf2FindModule(L"no-such-module.sys") == NULL);
    return failures;
}

#if defined(_M_AMD64)
/* KIDTENTRY64: the x64 interrupt gate (Intel SDM vol. 3, 6.14.1), as ntoskrnl's symbols name it. */
typedef struct _QF2_IDT_ENTRY {
    USHORT OffsetLow;
    USHORT Selector;
    USHORT Flags; /* IstIndex:3, Reserved0:5, Type:5, Dpl:2, Present:1 */
    USHORT OffsetMiddle;
    ULONG OffsetHigh;
    ULONG Reserved1;
} QF2_IDT_ENTRY;

int NTAPI TestIdt(void)
{
    int failures = 0;
    QF2_IDT_ENTRY *idt = (QF2_IDT_ENTRY *)__readgsqword(FIELD_OFFSET(KPCR, IdtBase));
    QF2_LDR_ENTRY *nt = Qf2FindModule(L"ntoskrnl.exe");
    ULONG_PTR handler, page;
    ULONG v, pages = 0;

    CHECK(idt != NULL && nt != NULL);
    if (idt == NULL || nt == NULL)
        return failures;
    for (v = 0; v < 256; v += 17) {
        handler = idt[v].OffsetLow | ((ULONG_PTR)idt[v].OffsetMiddle << 16) | ((ULONG_PTR)idt[v].OffsetHigh << 32);
        CHECK(idt[v].Selector == 0x10);
        CHECK((idt[v].Flags & 0x8000) != 0);           /* Present */
        CHECK(((idt[v].Flags >> 8) & 0x1F) == 0xE);    /* 64-bit interrupt gate */
        CHECK(handler >= (ULONG_PTR)nt->DllBase && handler < (ULONG_PTR)nt->DllBase + nt->SizeOfImage);
    }
    /* Down from the divide-error handler's page to the first MZ: ntoskrnl.exe's base. */
    handler = idt[0].OffsetLow | ((ULONG_PTR)idt[0].OffsetMiddle << 16) | ((ULONG_PTR)idt[0].OffsetHigh << 32);
    for (page = handler & ~(ULONG_PTR)0xFFF; pages < 4096 && *(PUSHORT)page != QF2_MZ; page -= PAGE_SIZE, pages++)
        ;
    CHECK(page == (ULONG_PTR)nt->DllBase);
    return failures;
}

int NTAPI TestPreviousModeCode(void)
{
    int failures = 0;
    PUCHAR code = (PUCHAR)&ExGetPreviousMode;
    ULONG offset = *(ULONG UNALIGNED *)(code + 12);
    LOOKASIDE_LIST_EX list;

    /* movzx eax, byte ptr [rax+disp32]; ret */
    CHECK(code[9] == 0x0F && code[10] == 0xB6 && code[11] == 0x80 && code[16] == 0xC3);
    CHECK(offset == 0x232);
    if (offset == 0x232)
        CHECK(*((PUCHAR)KeGetCurrentThread() + offset) == (UCHAR)ExGetPreviousMode());
    /* A routine whose thunk lies under those bytes still runs. */
    CHECK(ExInitializeLookasideListEx(&list, NULL, NULL, NonPagedPoolNx, 0, 64, QF2_TAG, 0) == STATUS_SUCCESS);
    ExDeleteLookasideListEx(&list);
    return failures;
}
#else
int NTAPI TestIdt(void) { return 0; }
int NTAPI TestPreviousModeCode(void) { return 0; }
#endif

int NTAPI TestPicoProvider(void)
{
    int failures = 0;
    ULONG routines[16];
    ULONG i;

    CHECK(PsRegisterPicoProvider(NULL, NULL) == STATUS_TOO_LATE);
    for (i = 0; i < ARRAY_LEN(routines); i++)
        routines[i] = 0xA5A5A5A5;
    CHECK(PsRegisterPicoProvider(routines, routines + 8) == STATUS_TOO_LATE);
    for (i = 0; i < ARRAY_LEN(routines); i++)
        CHECK(routines[i] == 0xA5A5A5A5);
    return failures;
}

int NTAPI TestUnlockVirtualMemory(void)
{
    int failures = 0;
    PVOID base = NULL, b;
    SIZE_T size = 0x3000, s;

    CHECK(ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) == STATUS_SUCCESS);
    if (base == NULL)
        return failures;
    /* Nothing locked yet. */
    b = base;
    s = 0x2000;
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_NOT_LOCKED);
    /* Lock two pages, unlock them from an unaligned address: rounded to pages, written back. */
    CHECK(ZwLockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_SUCCESS);
    b = (PUCHAR)base + 0x10;
    s = 0x1ff0;
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_SUCCESS);
    CHECK(b == base && s == 0x2000);
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_NOT_LOCKED);
    /* Relocking works again; a range reaching an unlocked page is refused. */
    CHECK(ZwLockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_SUCCESS);
    s = 0x3000;
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_NOT_LOCKED);
    s = 0x2000;
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, 0) == STATUS_INVALID_PARAMETER_4);
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_SUCCESS);
    s = 0;
    CHECK(ZwFreeVirtualMemory(NtCurrentProcess(), &base, &s, MEM_RELEASE) == STATUS_SUCCESS);
    return failures;
}

/*
 * What three held-out drivers do (misuse here, not a check): search ntoskrnl.exe's code for an
 * instruction pattern of the real kernel, walking down from inside the image. kmdll's ntoskrnl.exe
 * has export thunks, not Windows' code, so the walk runs off the image's start and faults; the
 * report names that (a dependency on the real kernel's code), not a crash Windows would have.
 */
int NTAPI ScanForPattern(void)
{
    QF2_LDR_ENTRY *nt = Qf2FindModule(L"ntoskrnl.exe");
    volatile PUCHAR p;

    if (nt == NULL)
        return 1;
    /* lea rbx, [rip+disp32] followed by an indirect call: nowhere in kmdll's thunks. */
    for (p = (PUCHAR)nt->DllBase + 0x1000; ; p--)
        if (p[0] == 0x48 && p[1] == 0x8D && p[2] == 0x1D && p[6] == 0xFF && p[7] == 0x15)
            return 0;
}

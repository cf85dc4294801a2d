/*
 * KeCapturePersistentThreadState: the dump header a driver gets for its own CONTEXT, and the
 * KDDEBUGGER_DATA64 copy at offset 0x2080 that drivers read for the kernel base and the list
 * heads (DUMP_HEADER64 and KDDEBUGGER_DATA64 offsets: see src/emu/api/dump.ts).
 */
#include "qasystem.h"

NTKERNELAPI ULONG NTAPI KeCapturePersistentThreadState(PCONTEXT Context, PKTHREAD Thread, ULONG BugCheckCode, ULONG_PTR P1,
    ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, PVOID VirtualAddress);

#define DUMP_BUFFER 0x40000
#define KDBG_OFFSET 0x2080

int TestDumpHeader(void)
{
    int failures = 0;
    CONTEXT ctx;
    PUCHAR dump = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, DUMP_BUFFER, QS_TAG);
    PUCHAR kdbg;
    QS_MODULES *mods = QsQueryModules();
    PLIST_ENTRY modules, processes;
    CHECK(dump != NULL && mods != NULL);
    if (!dump || !mods) return failures;
    RtlZeroMemory(&ctx, sizeof(ctx));
    ctx.ContextFlags = CONTEXT_FULL;
    RtlCaptureContext(&ctx);
    KeCapturePersistentThreadState(&ctx, NULL, 0xE2, 1, 2, 3, 4, dump);
    CHECK(*(ULONG *)dump == 'EGAP' && *(ULONG *)(dump + 4) == '46UD');
    CHECK(*(ULONG *)(dump + 0x30) == 0x8664 /* IMAGE_FILE_MACHINE_AMD64 */ && *(ULONG *)(dump + 0x34) >= 1);
    CHECK(*(ULONG *)(dump + 0x38) == 0xE2 && *(ULONG64 *)(dump + 0x40) == 1 && *(ULONG64 *)(dump + 0x58) == 4);
    CHECK(((PCONTEXT)(dump + 0x348))->Rsp == ctx.Rsp && ((PCONTEXT)(dump + 0x348))->Rip == ctx.Rip);
    kdbg = dump + KDBG_OFFSET;
    CHECK(*(ULONG *)(kdbg + 0x10) == 'GBDK' && *(ULONG *)(kdbg + 0x14) >= 0x340);
    CHECK(*(PVOID *)(kdbg + 0x18) == mods->Modules[0].ImageBase);
    CHECK(*(ULONG64 *)(dump + 0x80) != 0);
    /* PsLoadedModuleList: the first entry is ntoskrnl.exe (DllBase at 0x30 of KLDR_DATA_TABLE_ENTRY). */
    modules = *(PLIST_ENTRY *)(kdbg + 0x48);
    CHECK(modules != NULL && *(PVOID *)((PUCHAR)modules->Flink + 0x30) == mods->Modules[0].ImageBase);
    /* PsActiveProcessHead: its first entry is the System process's ActiveProcessLinks (0x448). */
    processes = *(PLIST_ENTRY *)(kdbg + 0x50);
    CHECK(processes != NULL && (PUCHAR)processes->Flink - 0x448 == (PUCHAR)PsInitialSystemProcess);
    CHECK(*(PLIST_ENTRY *)(dump + 0x20) == modules && *(PLIST_ENTRY *)(dump + 0x28) == processes);
    ExFreePoolWithTag(mods, QS_TAG);
    ExFreePoolWithTag(dump, QS_TAG);
    return failures;
}

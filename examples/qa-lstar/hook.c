/*
 * Hooking NtOpenKey's entry the x64 way: an entry reaches only +-128 MB from KiServiceTable, so
 * the hook is a trampoline (mov rax, imm64; jmp rax) copied into int3/nop padding of ntoskrnl's
 * code near KiSystemCall64, and the entry is pointed at it. Both the code and the table are read
 * only on Windows: each is written through an MDL mapping of its own.
 */
#include "lstar.h"

NTOPENKEY OriginalNtOpenKey;
LONG HookCalls;
BOOLEAN HookDenies;
static PUCHAR Cave;
static LONG OriginalEntry;

static NTSTATUS NTAPI HookedNtOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes)
{
    InterlockedIncrement(&HookCalls);
    if (HookDenies) return STATUS_ACCESS_DENIED;
    return OriginalNtOpenKey(KeyHandle, DesiredAccess, ObjectAttributes);
}

/* A run of Length int3 (0xCC) or nop (0x90) bytes within Limit bytes of Start. */
static PUCHAR FindCave(PUCHAR Start, ULONG Limit, ULONG Length)
{
    ULONG i, run = 0;
    for (i = 0; i < Limit; i++) {
        run = (Start[i] == 0xCC || Start[i] == 0x90) ? run + 1 : 0;
        if (run == Length) return Start + i - Length + 1;
    }
    return NULL;
}

/* Copy Length bytes to a read-only kernel address through a writable MDL mapping. */
static BOOLEAN WriteReadOnly(PVOID Target, const VOID *Source, ULONG Length)
{
    PMDL mdl = IoAllocateMdl(Target, Length, FALSE, FALSE, NULL);
    PVOID map;
    if (mdl == NULL) return FALSE;
    MmBuildMdlForNonPagedPool(mdl);
    map = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
    if (map == NULL) {
        IoFreeMdl(mdl);
        return FALSE;
    }
    if (!NT_SUCCESS(MmProtectMdlSystemAddress(mdl, PAGE_READWRITE))) {
        MmUnmapLockedPages(map, mdl);
        IoFreeMdl(mdl);
        return FALSE;
    }
    if (Length == sizeof(LONG)) InterlockedExchange((PLONG)map, *(const LONG *)Source);
    else RtlCopyMemory(map, Source, Length);
    MmUnmapLockedPages(map, mdl);
    IoFreeMdl(mdl);
    return TRUE;
}

BOOLEAN HookNtOpenKey(PSERVICE_DESCRIPTOR_TABLE Table)
{
    UCHAR trampoline[12] = { 0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xE0 };
    PVOID hook = (PVOID)HookedNtOpenKey;
    LONG entry;
    SERVICE_TABLES tables;
    if (!FindServiceTables(&tables)) return FALSE;
    if (Cave == NULL) Cave = FindCave(tables.KiSystemCall64, 0x1000, sizeof(trampoline) + 4);
    if (Cave == NULL) return FALSE;
    RtlCopyMemory(&trampoline[2], &hook, sizeof(hook));
    if (!WriteReadOnly(Cave, trampoline, sizeof(trampoline))) return FALSE;
    OriginalEntry = Table->ServiceTableBase[SVC_NTOPENKEY];
    OriginalNtOpenKey = (NTOPENKEY)ServiceRoutine(Table, SVC_NTOPENKEY);
    entry = (LONG)((Cave - (PUCHAR)Table->ServiceTableBase) << 4) | (OriginalEntry & 0xF);
    return WriteReadOnly(&Table->ServiceTableBase[SVC_NTOPENKEY], &entry, sizeof(entry));
}

BOOLEAN UnhookNtOpenKey(PSERVICE_DESCRIPTOR_TABLE Table)
{
    return WriteReadOnly(&Table->ServiceTableBase[SVC_NTOPENKEY], &OriginalEntry, sizeof(OriginalEntry));
}

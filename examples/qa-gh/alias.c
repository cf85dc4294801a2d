/*
 * A second system mapping of the driver's own code through an MDL (what CcProtect.sys does to
 * patch its code): IoAllocateMdl + MmProbeAndLockPages on the code, MmMapLockedPagesSpecifyCache
 * gives a NEW virtual address over the same physical pages, whose rights are its own
 * (MmProtectMdlSystemAddress changes them); a write through it changes the code the original
 * address runs. MmUnmapLockedPages removes the mapping.
 */
#include "qagh.h"

/* mov eax, imm32; ret — the immediate (byte 1) is what the tests patch. Same bytes on x86 and x64. */
__attribute__((naked, noinline)) static ULONG Patchable(void)
{
    __asm__ volatile("movl $1, %eax\n\tret\n\tint3\n\tint3\n");
}

/* Patchable's RVA in the image (section.c compares it with an image section's view). */
ULONG QgPatchableRva(void)
{
    extern UCHAR __ImageBase[];
    return (ULONG)((PUCHAR)Patchable - __ImageBase);
}

/* Lock the code page of Patchable and map it; the MDL in *pmdl (NULL on failure). */
static PUCHAR MapCode(PMDL *pmdl, ULONG priority)
{
    PMDL mdl = IoAllocateMdl((PVOID)Patchable, 6, FALSE, FALSE, NULL);
    *pmdl = mdl;
    if (!mdl) return NULL;
    MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
    return (PUCHAR)MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, priority);
}

static void Unmap(PMDL mdl, PUCHAR va)
{
    if (va) MmUnmapLockedPages(va, mdl);
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
}

int TestCodeAlias(void)
{
    int failures = 0;
    PUCHAR code = (PUCHAR)Patchable, va;
    PMDL mdl;
    PHYSICAL_ADDRESS a, b;

    CHECK(Patchable() == 1);
    CHECK(code[0] == 0xB8 && code[1] == 1 && code[5] == 0xC3);

    /* Mapped without flags: a new, writable address over the same physical page. */
    va = MapCode(&mdl, NormalPagePriority);
    CHECK(mdl != NULL);
    if (!mdl) return failures;
    CHECK(va != NULL && va != code);
    if (va) {
        CHECK(((ULONG_PTR)va & (PAGE_SIZE - 1)) == ((ULONG_PTR)code & (PAGE_SIZE - 1)));
        CHECK(RtlCompareMemory(va, code, 6) == 6);
        a = MmGetPhysicalAddress(va);
        b = MmGetPhysicalAddress(code);
        CHECK(a.QuadPart != 0 && a.QuadPart == b.QuadPart);
        CHECK(mdl->MappedSystemVa == va && (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) != 0);
        va[1] = 2;                  /* mov eax, 2 */
        CHECK(code[1] == 2);        /* the original address shows the write */
        CHECK(Patchable() == 2);    /* and runs the new instruction */
        va[1] = 1;
        CHECK(Patchable() == 1);
    }
    Unmap(mdl, va);
    CHECK(va == NULL || !MmIsAddressValid(va));
    CHECK(Patchable() == 1);

    /* Read-only mapping (MdlMappingNoWrite), then made writable as CcProtect does. */
    va = MapCode(&mdl, NormalPagePriority | MdlMappingNoWrite | MdlMappingNoExecute);
    CHECK(mdl != NULL && va != NULL);
    if (!mdl) return failures;
    if (va) {
        CHECK(MmProtectMdlSystemAddress(mdl, 0x99) == STATUS_INVALID_PAGE_PROTECTION);
        CHECK(MmProtectMdlSystemAddress(mdl, PAGE_EXECUTE_READWRITE) == STATUS_SUCCESS);
        va[1] = 7;
        CHECK(Patchable() == 7);
        va[1] = 1;
        CHECK(Patchable() == 1);
    }
    Unmap(mdl, va);

    /* MmProtectMdlSystemAddress on an MDL that is not mapped. */
    mdl = IoAllocateMdl((PVOID)Patchable, 6, FALSE, FALSE, NULL);
    CHECK(mdl != NULL);
    if (mdl) {
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
        CHECK(MmProtectMdlSystemAddress(mdl, PAGE_READWRITE) == STATUS_NOT_MAPPED_VIEW);
        MmUnlockPages(mdl);
        IoFreeMdl(mdl);
    }
    return failures;
}

/* A pool buffer locked and mapped: a new address (as for any locked MDL), the same bytes and frame.
 * An MDL built for nonpaged pool is mapped at the buffer's own address. */
int TestPoolMapping(void)
{
    int failures = 0;
    PUCHAR buf = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, QG_TAG), va;
    PMDL mdl;
    if (!buf) return 1;
    RtlZeroMemory(buf, PAGE_SIZE);
    mdl = IoAllocateMdl(buf, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(mdl != NULL);
    if (mdl) {
        MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess);
        va = (PUCHAR)MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
        CHECK(va != NULL && va != buf);
        if (va) {
            CHECK(MmGetPhysicalAddress(va).QuadPart == MmGetPhysicalAddress(buf).QuadPart);
            va[10] = 0x5A;
            CHECK(buf[10] == 0x5A);
            buf[11] = 0xA5;
            CHECK(va[11] == 0xA5);
            MmUnmapLockedPages(va, mdl);
        }
        MmUnlockPages(mdl);
        IoFreeMdl(mdl);
    }
    mdl = IoAllocateMdl(buf, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(mdl != NULL);
    if (mdl) {
        MmBuildMdlForNonPagedPool(mdl);
        va = (PUCHAR)MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
        CHECK(va == buf);
        IoFreeMdl(mdl);
    }
    ExFreePoolWithTag(buf, QG_TAG);
    return failures;
}

/* Misuse: a write through a mapping made read-only with MmProtectMdlSystemAddress faults. */
int WriteReadOnlyAlias(void)
{
    PMDL mdl;
    PUCHAR va = MapCode(&mdl, NormalPagePriority);
    if (!va) return 1;
    if (MmProtectMdlSystemAddress(mdl, PAGE_READONLY) != STATUS_SUCCESS) return 2;
    *(volatile UCHAR *)(va + 1) = 3;
    Unmap(mdl, va);
    return 0;
}

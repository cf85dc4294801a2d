/*
 * apifresh.sys — MmAllocateMdlForIoSpace on the default machine's device memory (the network
 * controller's BAR at FEBC0000h, docs/machine.md), its mapping with MmMapLockedPagesSpecifyCache,
 * and the ranges Learn says it refuses (STATUS_INVALID_PARAMETER_1).
 */
#include "fresh.h"

#define DEVICE_MEMORY 0xFEBC0000ull

static PMDL Allocate(ULONG64 base0, SIZE_T size0, ULONG64 base1, SIZE_T size1, SIZE_T count, NTSTATUS *status)
{
    MM_PHYSICAL_ADDRESS_LIST list[2];
    PMDL mdl = (PMDL)(ULONG_PTR)0x5a5a;
    list[0].PhysicalAddress.QuadPart = (LONGLONG)base0;
    list[0].NumberOfBytes = size0;
    list[1].PhysicalAddress.QuadPart = (LONGLONG)base1;
    list[1].NumberOfBytes = size1;
    *status = MmAllocateMdlForIoSpace(list, count, &mdl);
    if (!NT_SUCCESS(*status)) {
        Check(mdl == (PMDL)(ULONG_PTR)0x5a5a, "a refused list leaves NewMdl alone");
        return NULL;
    }
    return mdl;
}

VOID TestIoSpace(VOID)
{
    NTSTATUS status;
    PMDL mdl;
    PPFN_NUMBER pfn;
    volatile ULONG *regs;
    PHYSICAL_ADDRESS pa;

    Allocate(DEVICE_MEMORY + 0x800, 0x1000, 0, 0, 1, &status);
    Check(status == STATUS_INVALID_PARAMETER_1, "an unaligned base: STATUS_INVALID_PARAMETER_1");
    Allocate(DEVICE_MEMORY, 0x800, 0, 0, 1, &status);
    Check(status == STATUS_INVALID_PARAMETER_1, "a size that is no multiple of PAGE_SIZE: STATUS_INVALID_PARAMETER_1");
    Allocate(0x100000, 0x1000, 0, 0, 1, &status);
    Check(status == STATUS_INVALID_PARAMETER_1, "a range in RAM: STATUS_INVALID_PARAMETER_1");
    Allocate(DEVICE_MEMORY, 0x1000, 0x200000, 0x1000, 2, &status);
    Check(status == STATUS_INVALID_PARAMETER_1, "a second range in RAM: STATUS_INVALID_PARAMETER_1");

    /* One page of device memory. */
    mdl = Allocate(DEVICE_MEMORY, 0x1000, 0, 0, 1, &status);
    Check(status == STATUS_SUCCESS && mdl != NULL, "MmAllocateMdlForIoSpace(one page)");
    if (mdl == NULL)
        return;
    pfn = MmGetMdlPfnArray(mdl);
    Check(MmGetMdlByteCount(mdl) == 0x1000 && MmGetMdlByteOffset(mdl) == 0, "ByteCount 0x1000, ByteOffset 0");
    Check(pfn[0] == (PFN_NUMBER)(DEVICE_MEMORY >> PAGE_SHIFT), "the PFN array names the device page");
    Check((mdl->MdlFlags & MDL_IO_SPACE) != 0 && (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) == 0, "MDL_IO_SPACE, not mapped");
    regs = (volatile ULONG *)MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmNonCached, NULL, FALSE, NormalPagePriority);
    Check(regs != NULL, "MmMapLockedPagesSpecifyCache maps it");
    if (regs != NULL) {
        Check(regs[0] == 0xFFFFFFFF, "unbacked device memory reads all ones");
        Check(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) == (PVOID)regs, "the MDL keeps its system address");
        regs[4] = 0x12345678;
        MmUnmapLockedPages((PVOID)regs, mdl);
    }
    IoFreeMdl(mdl);
    /* The store reached the device memory: MmMapIoSpace of the same address reads it. */
    pa.QuadPart = (LONGLONG)(DEVICE_MEMORY + 0x10);
    regs = (volatile ULONG *)MmMapIoSpace(pa, sizeof(ULONG), MmNonCached);
    Check(regs != NULL && regs[0] == 0x12345678, "MmMapIoSpace reads what the MDL mapping wrote");
    if (regs != NULL)
        MmUnmapIoSpace((PVOID)regs, sizeof(ULONG));

    /* Two adjacent ranges: one MDL of two pages, in order. */
    mdl = Allocate(DEVICE_MEMORY, 0x1000, DEVICE_MEMORY + 0x1000, 0x1000, 2, &status);
    Check(status == STATUS_SUCCESS && mdl != NULL, "MmAllocateMdlForIoSpace(two ranges)");
    if (mdl != NULL) {
        pfn = MmGetMdlPfnArray(mdl);
        Check(MmGetMdlByteCount(mdl) == 0x2000 && pfn[0] == (PFN_NUMBER)(DEVICE_MEMORY >> PAGE_SHIFT) && pfn[1] == pfn[0] + 1, "two pages, in list order");
        regs = (volatile ULONG *)MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmNonCached, NULL, FALSE, NormalPagePriority);
        Check(regs != NULL && regs[4] == 0x12345678, "the mapping of both shows the first page's contents");
        if (regs != NULL)
            MmUnmapLockedPages((PVOID)regs, mdl);
        IoFreeMdl(mdl);
    }
    /* Separate ranges need not be contiguous (Learn). */
    mdl = Allocate(DEVICE_MEMORY + 0x3000, 0x1000, DEVICE_MEMORY, 0x1000, 2, &status);
    Check(status == STATUS_SUCCESS && mdl != NULL, "MmAllocateMdlForIoSpace(separate ranges)");
    if (mdl != NULL) {
        pfn = MmGetMdlPfnArray(mdl);
        Check(pfn[0] == (PFN_NUMBER)((DEVICE_MEMORY + 0x3000) >> PAGE_SHIFT) && pfn[1] == (PFN_NUMBER)(DEVICE_MEMORY >> PAGE_SHIFT), "the PFNs follow the list");
        IoFreeMdl(mdl);
    }
}

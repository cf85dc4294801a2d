/*
 * MDLs: describe a pool buffer, lock it, map it, partial MDLs, an IRP's MDL chain, pages
 * allocated for an MDL, contiguous and non-cached memory. Physical addresses in the PFN array
 * agree with MmGetPhysicalAddress.
 */
#include "apihw.h"

int TestMdl(void)
{
    int failures = 0;
    UCHAR *buf = (UCHAR *)ExAllocatePoolWithTag(NonPagedPool, 3 * PAGE_SIZE, HW_TAG);
    UCHAR *p;
    PMDL mdl, partial;
    PPFN_NUMBER pfns;
    PVOID va;
    PHYSICAL_ADDRESS pa;

    if (!buf) return 1;
    buf[100] = 0x77;
    mdl = IoAllocateMdl(buf + 100, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(mdl != NULL);
    if (!mdl) return failures;
    CHECK(MmGetMdlByteCount(mdl) == 2 * PAGE_SIZE);
    CHECK(MmGetMdlVirtualAddress(mdl) == buf + 100);
    CHECK(MmGetMdlByteOffset(mdl) == (((ULONG_PTR)buf + 100) & (PAGE_SIZE - 1)));
    CHECK(mdl->Size == sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(buf + 100, 2 * PAGE_SIZE));
    CHECK(MmSizeOfMdl(buf + 100, 2 * PAGE_SIZE) == mdl->Size);

    MmBuildMdlForNonPagedPool(mdl);
    CHECK((mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) != 0);
    pfns = MmGetMdlPfnArray(mdl);
    pa = MmGetPhysicalAddress(buf + 100);
    CHECK(pfns[0] == (PFN_NUMBER)(pa.QuadPart >> PAGE_SHIFT));
    p = (UCHAR *)MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    CHECK(p == buf + 100 && p[0] == 0x77);

    /* A partial MDL for one page of it shares the PFNs. */
    partial = IoAllocateMdl(buf + 100 + PAGE_SIZE, 16, FALSE, FALSE, NULL);
    CHECK(partial != NULL);
    if (partial) {
        IoBuildPartialMdl(mdl, partial, buf + 100 + PAGE_SIZE, 16);
        CHECK((partial->MdlFlags & MDL_PARTIAL) != 0);
        CHECK(MmGetMdlPfnArray(partial)[0] == pfns[ADDRESS_AND_SIZE_TO_SPAN_PAGES(buf + 100, PAGE_SIZE + 1) - 1]);
        IoFreeMdl(partial);
    }
    IoFreeMdl(mdl);

    /* Probe and lock, map with MmMapLockedPagesSpecifyCache, unmap, unlock. */
    mdl = IoAllocateMdl(buf, PAGE_SIZE, FALSE, FALSE, NULL);
    CHECK(mdl != NULL);
    if (mdl) {
        MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess);
        CHECK((mdl->MdlFlags & MDL_PAGES_LOCKED) != 0);
        va = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority);
        CHECK(va != NULL);
        if (va) {
            CHECK(((UCHAR *)va)[100] == 0x77);
            CHECK((mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) != 0 && mdl->MappedSystemVa == va);
            CHECK(MmProtectMdlSystemAddress(mdl, PAGE_READONLY) == STATUS_SUCCESS);
            MmUnmapLockedPages(va, mdl);
            CHECK((mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) == 0);
        }
        MmUnlockPages(mdl);
        CHECK((mdl->MdlFlags & MDL_PAGES_LOCKED) == 0);
        IoFreeMdl(mdl);
    }
    CHECK(IoAllocateMdl(buf, 0, FALSE, FALSE, NULL) == NULL);
    mdl = MmCreateMdl(NULL, buf, 100);
    CHECK(mdl != NULL && MmGetMdlByteCount(mdl) == 100 && MmGetMdlVirtualAddress(mdl) == buf);
    if (mdl) ExFreePool(mdl);

    /* Pages allocated for an MDL: no mapping until MmMapLockedPages; freed with MmFreePagesFromMdl + ExFreePool. */
    {
        PHYSICAL_ADDRESS low, high, skip;
        low.QuadPart = 0;
        high.QuadPart = 0xFFFFFFFF;
        skip.QuadPart = 0;
        mdl = MmAllocatePagesForMdl(low, high, skip, 2 * PAGE_SIZE);
        CHECK(mdl != NULL);
        if (mdl) {
            CHECK(MmGetMdlByteCount(mdl) == 2 * PAGE_SIZE);
            CHECK(MmGetMdlPfnArray(mdl)[1] == MmGetMdlPfnArray(mdl)[0] + 1);
            va = MmMapLockedPages(mdl, KernelMode);
            CHECK(va != NULL);
            if (va) {
                pa = MmGetPhysicalAddress(va);
                CHECK((PFN_NUMBER)(pa.QuadPart >> PAGE_SHIFT) == MmGetMdlPfnArray(mdl)[0]);
                MmUnmapLockedPages(va, mdl);
            }
            MmFreePagesFromMdl(mdl);
            ExFreePool(mdl);
        }
        mdl = MmAllocatePagesForMdlEx(low, high, skip, PAGE_SIZE, MmCached, 0);
        CHECK(mdl != NULL);
        if (mdl) {
            MmFreePagesFromMdl(mdl);
            ExFreePool(mdl);
        }
    }
    ExFreePoolWithTag(buf, HW_TAG);
    return failures;
}

int TestContiguous(void)
{
    int failures = 0;
    PHYSICAL_ADDRESS highest, lowest, boundary, pa0, pa1;
    UCHAR *p, *q, *r;

    highest.QuadPart = 0xFFFFFFFF;
    p = (UCHAR *)MmAllocateContiguousMemory(3 * PAGE_SIZE, highest);
    CHECK(p != NULL);
    if (p) {
        CHECK(((ULONG_PTR)p & (PAGE_SIZE - 1)) == 0);
        pa0 = MmGetPhysicalAddress(p);
        pa1 = MmGetPhysicalAddress(p + 2 * PAGE_SIZE);
        CHECK(pa1.QuadPart == pa0.QuadPart + 2 * PAGE_SIZE);
        CHECK(pa1.QuadPart < 0xFFFFFFFF);
        p[3 * PAGE_SIZE - 1] = 1;
        MmFreeContiguousMemory(p);
    }
    /* Pool pages that already have frames, freed and handed out again as contiguous memory: the
     * frames they had no longer map back to them (MmGetVirtualForPhysical and
     * MmGetPhysicalAddress stay inverse). */
    {
        PHYSICAL_ADDRESS old[4];
        UCHAR *pool = (UCHAR *)ExAllocatePoolWithTag(NonPagedPool, 4 * PAGE_SIZE, HW_TAG);
        ULONG i;
        CHECK(pool != NULL);
        if (pool) {
            for (i = 0; i < 4; i++) old[i] = MmGetPhysicalAddress(pool + i * PAGE_SIZE);
            ExFreePoolWithTag(pool, HW_TAG);
            p = (UCHAR *)MmAllocateContiguousMemory(3 * PAGE_SIZE, highest);
            CHECK(p != NULL);
            if (p) {
                for (i = 0; i < 3; i++) {
                    pa0 = MmGetPhysicalAddress(p + i * PAGE_SIZE);
                    CHECK(MmGetVirtualForPhysical(pa0) == p + i * PAGE_SIZE);
                }
                for (i = 0; i < 4; i++) {
                    UCHAR *v = (UCHAR *)MmGetVirtualForPhysical(old[i]);
                    CHECK(v == NULL || MmGetPhysicalAddress(v).QuadPart == old[i].QuadPart);
                }
                MmFreeContiguousMemory(p);
                for (i = 0; i < 4; i++) {
                    UCHAR *v = (UCHAR *)MmGetVirtualForPhysical(old[i]);
                    CHECK(v == NULL || MmGetPhysicalAddress(v).QuadPart == old[i].QuadPart);
                }
            }
        }
    }
    /* Below 16 MiB (ISA DMA), with the cache-type form. */
    lowest.QuadPart = 0;
    highest.QuadPart = 0xFFFFFF;
    boundary.QuadPart = 0;
    q = (UCHAR *)MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, lowest, highest, boundary, MmNonCached);
    CHECK(q != NULL);
    if (q) {
        CHECK(MmGetPhysicalAddress(q).QuadPart + PAGE_SIZE - 1 <= 0xFFFFFF);
        MmFreeContiguousMemorySpecifyCache(q, PAGE_SIZE, MmNonCached);
    }
    /* Impossible constraints: NULL. */
    highest.QuadPart = 0xFFF;
    CHECK(MmAllocateContiguousMemory(2 * PAGE_SIZE, highest) == NULL);
    highest.QuadPart = 0xFFFFFFFF;
    CHECK(MmAllocateContiguousNodeMemory(PAGE_SIZE, lowest, highest, boundary, PAGE_EXECUTE_READWRITE, 0) == NULL);
    r = (UCHAR *)MmAllocateContiguousNodeMemory(PAGE_SIZE, lowest, highest, boundary, PAGE_READWRITE, 0);
    CHECK(r != NULL);
    if (r) MmFreeContiguousMemory(r);

    r = (UCHAR *)MmAllocateNonCachedMemory(100);
    CHECK(r != NULL);
    if (r) {
        CHECK(r[0] == 0 && r[99] == 0);
        MmFreeNonCachedMemory(r, 100);
    }
    return failures;
}

/* Bad input: wild pointers to the new routines end in clean faults. */
int WildMdlFree(void)
{
    IoFreeMdl((PMDL)(ULONG_PTR)0xFFFFA000DEAD0000ULL);
    return 0;
}

int WildBuildMdl(void)
{
    MDL mdl;
    RtlZeroMemory(&mdl, sizeof(mdl));
    mdl.Size = sizeof(MDL) + sizeof(PFN_NUMBER);
    mdl.StartVa = (PVOID)(ULONG_PTR)0xFFFFA000DEAD0000ULL;
    mdl.ByteCount = 16;
    MmBuildMdlForNonPagedPool(&mdl);
    return 0;
}

int UnmapUnknown(void)
{
    UCHAR local[16];
    MmUnmapIoSpace(local, sizeof(local));
    return 0;
}

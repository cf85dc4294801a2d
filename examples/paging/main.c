/*
 * paging.sys - the exports (see paging.h). CheckWalks returns the number of disagreements between
 * the two walks, MmGetPhysicalAddress and the expected bits; RemapPage the number of failed steps
 * of a PTE remap; InterlockedPte the number of failed read-modify-write stores on a PTE; ReadCr3
 * returns CR3.
 */
#include "paging.h"

DRIVER_INITIALIZE DriverEntry;

#define TAG 'gPmK'

/* A page of initialized data: .data is read/write, not executable. */
ULONG64 PgData[512] = { 1 };

/* A page-aligned page of the image locked and mapped a second time, as WinPmem's rogue page is. */
__declspec(align(4096)) UCHAR PgLocked[4096] = { 2 };

#ifndef MdlMappingNoExecute
#define MdlMappingNoExecute 0x40000000 /* wdm.h, Windows 8 and later */
#endif

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
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

#if defined(_M_ARM64)
/* TTBR1_EL1 (the kernel half's translation table base): ARM64_SYSREG(3, 0, 2, 0, 1), as winnt.h
   encodes system registers for _ReadStatusReg: op0 bit 14, op1 11-13, CRn 7-10, CRm 3-6, op2 0-2. */
#define PG_TTBR1_EL1 0x4101
#define __readcr3() ((ULONG64)_ReadStatusReg(PG_TTBR1_EL1))
#endif

ULONG64 ReadCr3(void)
{
    return __readcr3();
}

#if defined(_M_AMD64)
/* Walk Va both ways; both must reach MmGetPhysicalAddress(Va) with the bits in Set and none in Clear. */
static ULONG CheckOne(ULONG64 Cr3, const char *What, PVOID Va, ULONG64 Set, ULONG64 Clear)
{
    PG_WALK v, p;
    ULONG64 mm = (ULONG64)MmGetPhysicalAddress(Va).QuadPart;
    ULONG bad = 0;

    if (!PgWalkVirtual(Cr3, Va, &v) || !PgWalkPhysical(Cr3, Va, &p)) {
        DbgPrint("paging: %s %p: walk failed\n", What, Va);
        return 1;
    }
    DbgPrint("paging: %s %p: PML4E %llX PDPTE %llX PDE %llX PTE %llX -> %llX (MmGetPhysicalAddress %llX)\n",
             What, Va, v.Entry[4], v.Entry[3], v.Entry[2], v.Entry[1], v.Physical, mm);
    if (v.Physical != mm || p.Physical != mm || mm == 0) bad++;
    if (RtlCompareMemory(v.Entry, p.Entry, sizeof(v.Entry)) != sizeof(v.Entry)) bad++;
    if ((v.Entry[1] & Set) != Set || (v.Entry[1] & Clear) != 0) {
        DbgPrint("paging: %s: PTE bits %llX, expected set %llX clear %llX\n", What, v.Entry[1], Set, Clear);
        bad++;
    }
    return bad;
}

ULONG CheckWalks(void)
{
    ULONG64 cr3 = __readcr3();
    ULONG64 onStack = 0;
    ULONG_PTR low, high;
    PUCHAR pool;
    ULONG bad = 0, self;
    PG_WALK w;

    DbgPrint("paging: CR3 %llX\n", cr3);
    if (cr3 == 0 || (cr3 & 0xFFF) != 0) return 100;
    pool = (PUCHAR)ExAllocatePoolWithTag(NonPagedPoolNx, 0x100, TAG);
    if (pool == NULL) return 100;

    bad += CheckOne(cr3, "pool", pool, PG_P | PG_RW | PG_XD, PG_US);
    bad += CheckOne(cr3, "code", (PVOID)(ULONG_PTR)CheckWalks, PG_P, PG_RW | PG_XD | PG_US);
    bad += CheckOne(cr3, "data", &PgData[0], PG_P | PG_RW | PG_XD, PG_US);
    bad += CheckOne(cr3, "stack", &onStack, PG_P | PG_RW | PG_XD, PG_US);
    /* An MmMapIoSpace mapping: its PTE names the physical address mapped (the system BIOS here). */
    {
        PHYSICAL_ADDRESS bios;
        PVOID io;
        /* Not page aligned: the mapping starts 0x10 bytes into the page, the PTE is the page's. */
        bios.QuadPart = 0xF0010;
        io = MmMapIoSpace(bios, PAGE_SIZE - 0x10, MmNonCached);
        if (io == NULL) bad++;
        else {
            bad += CheckOne(cr3, "mmio", io, PG_P | PG_RW | PG_XD, PG_US);
            if ((ULONG64)MmGetPhysicalAddress(io).QuadPart != 0xF0010) bad++;
            MmUnmapIoSpace(io, PAGE_SIZE - 0x10);
        }
    }

    /* MmMapLockedPagesSpecifyCache of locked image pages: a new system VA with PTEs of its own over
       the same frames (Microsoft Learn, MmMapLockedPagesSpecifyCache: "maps the physical pages that
       are described by an MDL to a virtual address"), so both walks reach the original's frame. */
    {
        PMDL mdl = IoAllocateMdl(PgLocked, PAGE_SIZE, FALSE, FALSE, NULL);
        PVOID map = NULL;
        if (mdl == NULL) bad++;
        else {
            MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess);
            map = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority | MdlMappingNoExecute);
            if (map == NULL || map == (PVOID)PgLocked) bad++;
            else {
                bad += CheckOne(cr3, "mdl", map, PG_P | PG_RW | PG_XD, PG_US);
                if (MmGetPhysicalAddress(map).QuadPart != MmGetPhysicalAddress(PgLocked).QuadPart) bad++;
                MmUnmapLockedPages(map, mdl);
                /* Unmapped: no translation left for the old VA. */
                if (PgWalkVirtual(cr3, map, &w) && w.Physical != 0) bad++;
            }
            MmUnlockPages(mdl);
            IoFreeMdl(mdl);
        }
    }

    /* The self-map entry, and MiGetPteAddress's formula against where the walk found the PTE. */
    self = PgFindSelfMap(cr3);
    DbgPrint("paging: self-map index %X, PTE_BASE %llX\n", self, self < 512 ? PgPteBase(self) : 0);
    if (self >= 512) bad++;
    else if (PgWalkVirtual(cr3, pool, &w)) {
        ULONG64 pteVa = PgPteBase(self) + (((ULONG64)pool >> 9) & 0x7FFFFFFFF8ULL);
        ULONG64 pxeBase = PgPteBase(self) | ((ULONG64)self << 30) | ((ULONG64)self << 21) | ((ULONG64)self << 12);
        PHYSICAL_ADDRESS c;
        c.QuadPart = (LONGLONG)cr3;
        if ((ULONG64)w.PteVa != pteVa) {
            DbgPrint("paging: PTE at %p, MiGetPteAddress gives %llX\n", w.PteVa, pteVa);
            bad++;
        }
        if ((ULONG64)MmGetVirtualForPhysical(c) != pxeBase) bad++;
        /* The PTE's own physical address is in the PT frame the PDE names. */
        if (((ULONG64)MmGetPhysicalAddress(w.PteVa).QuadPart & PG_PFN) != (w.Entry[2] & PG_PFN)) bad++;
        if (*(ULONG64 *)pteVa != w.Entry[1]) bad++;
    }
    if (self < 512) {
        /* A PTE read straight through PTE_BASE, no MmGetVirtualForPhysical first: KUSER_SHARED_DATA's. */
        ULONG64 k = 0xFFFFF78000000000ULL;
        ULONG64 e = *(volatile ULONG64 *)(PgPteBase(self) + ((k >> 9) & 0x7FFFFFFFF8ULL));
        DbgPrint("paging: KUSER_SHARED_DATA PTE %llX\n", e);
        if (!(e & PG_P) || !(e & PG_XD) || (e & PG_PFN) != ((ULONG64)MmGetPhysicalAddress((PVOID)k).QuadPart & PG_PFN)) bad++;
    }

    /* KPROCESS.DirectoryTableBase (+0x28 on Windows 10 x64) of the current process holds its CR3. */
    DbgPrint("paging: DirectoryTableBase %llX\n", *(ULONG64 *)((PUCHAR)PsGetCurrentProcess() + 0x28));
    if ((*(ULONG64 *)((PUCHAR)PsGetCurrentProcess() + 0x28) & PG_PFN) != (cr3 & PG_PFN)) bad++;

    /* The guard page below this stack is not mapped: no physical address, a walk that stops. */
    IoGetStackLimits(&low, &high);
    if (MmGetPhysicalAddress((PVOID)(low - PAGE_SIZE)).QuadPart != 0) bad++;
    if (!PgWalkVirtual(cr3, (PVOID)(low - PAGE_SIZE), &w) || w.Physical != 0) bad++;
    DbgPrint("paging: guard page %p: %u level(s) read, not present\n", (PVOID)(low - PAGE_SIZE), w.Levels);

    ExFreePoolWithTag(pool, TAG);
    return bad;
}

ULONG RemapPage(void)
{
    return PgRemap(__readcr3());
}

ULONG InterlockedPte(void)
{
    return PgInterlocked(__readcr3());
}

/* The PTE of an address in a 512 GiB region nothing maps: no PDPT, so the PTE's own page is not
   present either, and the read is a page fault (PAGE_FAULT_IN_NONPAGED_AREA on Windows). */
ULONG64 ReadMissingPte(void)
{
    ULONG self = PgFindSelfMap(__readcr3());
    ULONG64 va = 0xFFFF800000000000ULL;
    if (self >= 512) return 0;
    return *(volatile ULONG64 *)(PgPteBase(self) + ((va >> 9) & 0x7FFFFFFFF8ULL));
}
#else
ULONG64 ReadMissingPte(void)
{
    return 0;
}

ULONG CheckWalks(void)
{
    /* x86: the page directory (pointer table) is where CR3 says; on Windows this reads its first entry. */
    PHYSICAL_ADDRESS p;
    ULONG *top;
    p.QuadPart = (LONGLONG)(__readcr3() & ~0x1FUL);
    top = (ULONG *)MmGetVirtualForPhysical(p);
    DbgPrint("paging: CR3 %lX, top-level table at %p\n", (ULONG)p.QuadPart, top);
    return (top[0] & 1) ? 0 : 1;
}

ULONG RemapPage(void)
{
    return (ULONG)__readcr3() == 0 ? 100 : 0;
}

ULONG InterlockedPte(void)
{
    return RemapPage();
}
#endif

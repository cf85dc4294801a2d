/*
 * Virtual memory of the (System) process's user address space: reserve, commit, protect, query,
 * lock, decommit and release, with the rounding and the status codes the memory manager gives.
 */
#include "apivm.h"

#define PAGE 0x1000

static NTSTATUS Alloc(PVOID *base, SIZE_T size, ULONG type, ULONG protect)
{
    SIZE_T s = size;
    return ZwAllocateVirtualMemory(NtCurrentProcess(), base, 0, &s, type, protect);
}

static NTSTATUS Query(PVOID at, VM_BASIC_INFO *info)
{
    SIZE_T len = 0;
    NTSTATUS st;
    RtlZeroMemory(info, sizeof(*info));
    st = ZwQueryVirtualMemory(NtCurrentProcess(), at, VmMemoryBasicInformation, info, sizeof(*info), &len);
    if (NT_SUCCESS(st) && len != sizeof(*info)) return STATUS_UNSUCCESSFUL;
    return st;
}

static NTSTATUS Protect(PVOID at, SIZE_T size, ULONG protect, ULONG *old)
{
    PVOID b = at;
    SIZE_T s = size;
    return ZwProtectVirtualMemory(NtCurrentProcess(), &b, &s, protect, old);
}

static NTSTATUS Release(PVOID base)
{
    PVOID b = base;
    SIZE_T s = 0;
    return ZwFreeVirtualMemory(NtCurrentProcess(), &b, &s, MEM_RELEASE);
}

int TestVirtualMemory(void)
{
    int failures = 0;
    PVOID base = NULL, b;
    SIZE_T size = 0x2345, s;
    ULONG old = 0;
    VM_BASIC_INFO info;
    volatile UCHAR *p;

    /* Reserve and commit at an address the memory manager picks: 64 KiB aligned, page rounded. */
    CHECK(ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_SUCCESS);
    CHECK(base != NULL && ((ULONG_PTR)base & 0xFFFF) == 0 && size == 0x3000);
    CHECK((ULONG_PTR)base + size - 1 <= (ULONG_PTR)MM_HIGHEST_USER_ADDRESS);
    if (!base) return failures + 1;
    p = (volatile UCHAR *)base;
    CHECK(p[0] == 0 && p[0x2fff] == 0);
    p[0x1000] = 0x5a;
    p[0x2fff] = 0xa5;

    CHECK(Query((PUCHAR)base + 0x10, &info) == STATUS_SUCCESS);
    CHECK(info.BaseAddress == base && info.AllocationBase == base && info.AllocationProtect == PAGE_READWRITE);
    CHECK(info.RegionSize == 0x3000 && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE && info.Type == MEM_PRIVATE);

    /* Protect the middle page: the old protection comes back, base and size are page rounded. */
    b = (PUCHAR)base + 0x1234;
    s = 1;
    CHECK(ZwProtectVirtualMemory(NtCurrentProcess(), &b, &s, PAGE_READONLY, &old) == STATUS_SUCCESS);
    CHECK(old == PAGE_READWRITE && b == (PUCHAR)base + 0x1000 && s == PAGE);
    CHECK(p[0x1000] == 0x5a);
    CHECK(Query((PUCHAR)base + 0x1000, &info) == STATUS_SUCCESS);
    CHECK(info.BaseAddress == (PUCHAR)base + 0x1000 && info.RegionSize == PAGE && info.Protect == PAGE_READONLY && info.AllocationBase == base);
    CHECK(Query(base, &info) == STATUS_SUCCESS && info.RegionSize == PAGE && info.Protect == PAGE_READWRITE);
    CHECK(Protect((PUCHAR)base + 0x1000, PAGE, PAGE_EXECUTE_READ, &old) == STATUS_SUCCESS && old == PAGE_READONLY);
    CHECK(Protect((PUCHAR)base + 0x1000, PAGE, PAGE_READWRITE, &old) == STATUS_SUCCESS && old == PAGE_EXECUTE_READ);
    CHECK(Query(base, &info) == STATUS_SUCCESS && info.RegionSize == 0x3000);
    /* Write-copy on private memory is granted as read/write. */
    CHECK(Protect(base, PAGE, PAGE_WRITECOPY, &old) == STATUS_SUCCESS && old == PAGE_READWRITE);
    CHECK(Query(base, &info) == STATUS_SUCCESS && info.Protect == PAGE_READWRITE);

    /* Protection errors. */
    CHECK(Protect(base, PAGE, 0x3, &old) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Protect(base, PAGE, PAGE_NOACCESS | PAGE_GUARD, &old) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Protect(base, 0x4000, PAGE_READONLY, &old) == STATUS_CONFLICTING_ADDRESSES);
    CHECK(Protect((PVOID)0x1000, PAGE, PAGE_READONLY, &old) == STATUS_CONFLICTING_ADDRESSES);
    CHECK(Protect(KERNEL_VA, PAGE, PAGE_READONLY, &old) == STATUS_INVALID_PARAMETER_2);
    CHECK(Protect(base, 0, PAGE_READONLY, &old) == STATUS_INVALID_PARAMETER_3);

    /* Lock: the second lock of the same pages says they were locked. */
    b = base;
    s = 0x2000;
    CHECK(ZwLockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_SUCCESS && b == base && s == 0x2000);
    CHECK(ZwLockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_WAS_LOCKED);
    CHECK(ZwLockVirtualMemory(NtCurrentProcess(), &b, &s, 0) == STATUS_INVALID_PARAMETER_4);
    /* Unlock: once; the second finds the pages no longer locked (ZwUnlockVirtualMemory, qa-fresh2 checks more). */
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_SUCCESS && b == base && s == 0x2000);
    CHECK(ZwUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_NOT_LOCKED);

    /* Decommit the middle page: it stays reserved, protect and lock refuse it. */
    b = (PUCHAR)base + 0x1000;
    s = PAGE;
    CHECK(ZwFreeVirtualMemory(NtCurrentProcess(), &b, &s, MEM_DECOMMIT) == STATUS_SUCCESS && b == (PUCHAR)base + 0x1000 && s == PAGE);
    CHECK(Query(b, &info) == STATUS_SUCCESS && info.State == MEM_RESERVE && info.Protect == 0 && info.RegionSize == PAGE && info.AllocationBase == base);
    CHECK(Protect(b, PAGE, PAGE_READONLY, &old) == STATUS_NOT_COMMITTED);
    s = PAGE;
    CHECK(ZwLockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS) == STATUS_NOT_COMMITTED);
    /* Commit it again (MEM_COMMIT alone inside the reservation): zero filled. */
    CHECK(Alloc(&b, PAGE, MEM_COMMIT, PAGE_READWRITE) == STATUS_SUCCESS && b == (PUCHAR)base + 0x1000);
    CHECK(p[0x1000] == 0 && p[0x2fff] == 0xa5);

    /* Release: only from the allocation base; afterwards the range is free. */
    CHECK(Release((PUCHAR)base + 0x1000) == STATUS_FREE_VM_NOT_AT_BASE);
    b = base;
    s = 0;
    CHECK(ZwFreeVirtualMemory(NtCurrentProcess(), &b, &s, MEM_RELEASE) == STATUS_SUCCESS && b == base && s == 0x3000);
    CHECK(Query(base, &info) == STATUS_SUCCESS && info.State == MEM_FREE && info.Protect == PAGE_NOACCESS && info.AllocationBase == NULL);
    CHECK(Release(base) == STATUS_MEMORY_NOT_ALLOCATED);

    /* Reserve only, then commit part of it. */
    base = NULL;
    CHECK(Alloc(&base, 0x10000, MEM_RESERVE, PAGE_READWRITE) == STATUS_SUCCESS && base != NULL);
    CHECK(Query(base, &info) == STATUS_SUCCESS && info.State == MEM_RESERVE && info.RegionSize == 0x10000);
    b = (PUCHAR)base + 0x2800;
    CHECK(Alloc(&b, 0x100, MEM_COMMIT, PAGE_READONLY) == STATUS_SUCCESS && b == (PUCHAR)base + 0x2000);
    CHECK(Query(b, &info) == STATUS_SUCCESS && info.State == MEM_COMMIT && info.Protect == PAGE_READONLY && info.RegionSize == PAGE);
    CHECK(Query((PUCHAR)base + 0x3000, &info) == STATUS_SUCCESS && info.State == MEM_RESERVE && info.RegionSize == 0xd000);
    CHECK(Release(base) == STATUS_SUCCESS);

    /* A fixed address: rounded down to 64 KiB; a second allocation there conflicts. */
    base = (PVOID)0x20001234;
    CHECK(Alloc(&base, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_SUCCESS && base == (PVOID)0x20000000);
    b = (PVOID)0x20000000;
    CHECK(Alloc(&b, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_CONFLICTING_ADDRESSES);
    CHECK(Release(base) == STATUS_SUCCESS);

    /* ZeroBits keeps the address below 2^(32-n); MEM_TOP_DOWN takes the highest free range. */
    base = NULL;
    size = PAGE;
    CHECK(ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 1, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_SUCCESS);
    CHECK(base != NULL && (ULONG_PTR)base < 0x80000000);
    b = NULL;
    /* (within the top MiB of the user space: 2 GiB on x86, 128 TiB on x64; not on the shared page) */
    CHECK(Alloc(&b, PAGE, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE) == STATUS_SUCCESS
          && (ULONG_PTR)b > (ULONG_PTR)MM_HIGHEST_USER_ADDRESS - 0x100000 && b != SHARED_USER_DATA_VA);
    CHECK(Release(base) == STATUS_SUCCESS && Release(b) == STATUS_SUCCESS);
    return failures;
}

int TestUserSpaceLayout(void)
{
    int failures = 0;
    VM_BASIC_INFO info;
    PVOID base;
    const KUSER_SHARED_DATA *user = (const KUSER_SHARED_DATA *)SHARED_USER_DATA_VA;

    /* The user range: 2 GiB less 64 KiB on x86, 128 TiB less 64 KiB on x64 (wdm.h/ntddk.h). */
#ifdef _WIN64
    CHECK((ULONG_PTR)MM_HIGHEST_USER_ADDRESS == 0x7FFFFFFEFFFFULL && MM_USER_PROBE_ADDRESS == 0x7FFFFFFF0000ULL);
#else
    CHECK((ULONG_PTR)MM_HIGHEST_USER_ADDRESS == 0x7FFEFFFF && MM_USER_PROBE_ADDRESS == 0x7FFF0000);
#endif
    CHECK((ULONG_PTR)MM_SYSTEM_RANGE_START > (ULONG_PTR)MM_HIGHEST_USER_ADDRESS);
    /* KUSER_SHARED_DATA's user view: one committed read-only page with the kernel page's data. */
    CHECK(Query(SHARED_USER_DATA_VA, &info) == STATUS_SUCCESS && info.State == MEM_COMMIT && info.Protect == PAGE_READONLY
          && info.BaseAddress == SHARED_USER_DATA_VA && info.RegionSize == PAGE);
    CHECK(user->NtMajorVersion == SharedUserData->NtMajorVersion && user->NtMajorVersion >= 6);
    base = SHARED_USER_DATA_VA;
    CHECK(Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_CONFLICTING_ADDRESSES);
    base = (PVOID)((ULONG_PTR)MM_HIGHEST_USER_ADDRESS + 1);
    CHECK(Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_2);
    return failures;
}

int TestVirtualMemoryArgs(void)
{
    int failures = 0;
    PVOID base = NULL;
    SIZE_T size = PAGE, len = 0;
    VM_BASIC_INFO info;
    UCHAR small[8];

    CHECK(Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_WRITECOPY) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, 0) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Alloc(&base, PAGE, 0, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_5);
    CHECK(Alloc(&base, PAGE, MEM_RESERVE | 0x4, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_5);
    CHECK(Alloc(&base, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_4);
    CHECK(ZwAllocateVirtualMemory(NtCurrentProcess(), &base, 25, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_3);
    CHECK(ZwAllocateVirtualMemory((HANDLE)(ULONG_PTR)0x1234, &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_INVALID_HANDLE);
    base = KERNEL_VA;
    CHECK(Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == STATUS_INVALID_PARAMETER_2);
    /* Commit without a reservation at an address nobody reserved. */
    base = (PVOID)0x30000000;
    CHECK(Alloc(&base, PAGE, MEM_COMMIT, PAGE_READWRITE) == STATUS_CONFLICTING_ADDRESSES);

    base = NULL;
    size = PAGE;
    CHECK(ZwFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_DECOMMIT | MEM_RELEASE) == STATUS_INVALID_PARAMETER_4);
    CHECK(ZwQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x10000, 0x7f, &info, sizeof(info), &len) == STATUS_INVALID_INFO_CLASS);
    CHECK(ZwQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x10000, VmMemoryBasicInformation, small, sizeof(small), &len) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ZwQueryVirtualMemory(NtCurrentProcess(), KERNEL_VA, VmMemoryBasicInformation, &info, sizeof(info), &len) == STATUS_INVALID_PARAMETER);
    /* The Nt forms answer the same. */
    base = NULL;
    size = PAGE;
    CHECK(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY) == STATUS_SUCCESS && base != NULL);
    CHECK(NtQueryVirtualMemory(NtCurrentProcess(), base, VmMemoryBasicInformation, &info, sizeof(info), &len) == STATUS_SUCCESS && info.Protect == PAGE_READONLY);
    size = 0;
    CHECK(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE) == STATUS_SUCCESS && size == PAGE);
    CHECK(NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x10000, VmMemoryBasicInformation, &info, sizeof(info), &len) == STATUS_SUCCESS && info.State == MEM_FREE);
    return failures;
}

int TestCopyVirtualMemory(void)
{
    int failures = 0;
    PVOID base = NULL;
    PUCHAR p;
    SIZE_T copied = 1;
    ULONG old;
    UCHAR kbuf[64];
    PEPROCESS sys = PsGetCurrentProcess();
    int i;

    /* Two committed pages, the second made read-only, then a third reserved but not committed. */
    CHECK(Alloc(&base, 0x3000, MEM_RESERVE, PAGE_READWRITE) == STATUS_SUCCESS);
    CHECK(Alloc(&base, 0x2000, MEM_COMMIT, PAGE_READWRITE) == STATUS_SUCCESS);
    if (!base) return failures + 1;
    p = (PUCHAR)base;
    for (i = 0; i < 64; i++) p[0xfe0 + i] = (UCHAR)i;
    /* Kernel buffer <- user memory across a page boundary. */
    RtlZeroMemory(kbuf, sizeof(kbuf));
    CHECK(MmCopyVirtualMemory(sys, p + 0xfe0, sys, kbuf, sizeof(kbuf), KernelMode, &copied) == STATUS_SUCCESS && copied == sizeof(kbuf));
    CHECK(kbuf[0] == 0 && kbuf[63] == 63);
    /* User memory <- kernel buffer, and zero bytes. */
    CHECK(MmCopyVirtualMemory(sys, kbuf, sys, p, 16, UserMode, &copied) == STATUS_ACCESS_VIOLATION);
    CHECK(MmCopyVirtualMemory(sys, kbuf, sys, p, 16, KernelMode, &copied) == STATUS_SUCCESS && copied == 16 && p[15] == 15);
    CHECK(MmCopyVirtualMemory(sys, kbuf, sys, p, 0, KernelMode, &copied) == STATUS_SUCCESS && copied == 0);
    /* Reading runs into the uncommitted third page: a partial copy up to it. */
    CHECK(MmCopyVirtualMemory(sys, p + 0x1ff0, sys, kbuf, 32, KernelMode, &copied) == STATUS_PARTIAL_COPY && copied == 16);
    /* Writing into a read-only page stops at it. */
    CHECK(Protect(p + 0x1000, PAGE, PAGE_READONLY, &old) == STATUS_SUCCESS);
    CHECK(MmCopyVirtualMemory(sys, kbuf, sys, p + 0xff8, 16, KernelMode, &copied) == STATUS_PARTIAL_COPY && copied == 8);
    /* User mode: both ranges in user space. */
    CHECK(MmCopyVirtualMemory(sys, p, sys, p + 0x100, 16, UserMode, &copied) == STATUS_SUCCESS && copied == 16 && p[0x10f] == 15);
    CHECK(Release(base) == STATUS_SUCCESS);
    return failures;
}

/* A wild BaseAddress pointer: the routine reads through it (a fault report). */
int WildProtectBase(void)
{
    SIZE_T s = PAGE;
    ULONG old;
    return (int)ZwProtectVirtualMemory(NtCurrentProcess(), (PVOID *)(ULONG_PTR)0xFFFFA000DEAD0000ULL, &s, PAGE_READONLY, &old);
}

/* A wild OldProtect pointer on a valid range. */
int WildOldProtect(void)
{
    PVOID base = NULL;
    Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    return (int)Protect(base, PAGE, PAGE_READONLY, (ULONG *)(ULONG_PTR)0xFFFFA000DEAD0000ULL);
}

/* A PAGE_NOACCESS page faults when read. */
int TouchNoAccess(void)
{
    PVOID base = NULL;
    ULONG old;
    Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    Protect(base, PAGE, PAGE_NOACCESS, &old);
    return *(volatile int *)base;
}

/* A PAGE_READONLY page faults when written. */
int WriteReadOnly(void)
{
    PVOID base = NULL;
    ULONG old;
    Alloc(&base, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    *(volatile int *)base = 1;
    return 0;
}

/*
 * apirank.sys — MmSecureVirtualMemory / MmUnsecureVirtualMemory (ntddk.h, Microsoft Learn): a
 * secured range of the process's user space cannot be freed or made more restrictive than its
 * probe mode until it is unsecured; ranges that cannot be secured give NULL.
 */
#include "apirank.h"

static NTSTATUS Protect(PVOID Address, SIZE_T Size, ULONG Protection)
{
    ULONG old = 0;
    return ZwProtectVirtualMemory(NtCurrentProcess(), &Address, &Size, Protection, &old);
}

static NTSTATUS Free(PVOID Address, SIZE_T Size, ULONG Type)
{
    return ZwFreeVirtualMemory(NtCurrentProcess(), &Address, &Size, Type);
}

int TestSecureVirtualMemory(void)
{
    int failures = 0;
    PUCHAR p = NULL;
    SIZE_T size = 0x2000;
    HANDLE h, h2;

    CHECK(ZwAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)&p, 0, &size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) == STATUS_SUCCESS);
    if (!p) return failures;

    /* PAGE_READWRITE: the pages stay writable and allocated. */
    h = MmSecureVirtualMemory(p, 0x2000, PAGE_READWRITE);
    CHECK(h != NULL);
    CHECK(Protect(p, 0x1000, PAGE_READONLY) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Protect(p + 0x1000, 0x1000, PAGE_NOACCESS) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Protect(p, 0x1000, PAGE_READWRITE | PAGE_GUARD) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Protect(p, 0x1000, PAGE_EXECUTE_READWRITE) == STATUS_SUCCESS); /* not more restrictive */
    CHECK(Free(p, 0, MEM_RELEASE) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Free(p + 0x1000, 0x1000, MEM_DECOMMIT) == STATUS_INVALID_PAGE_PROTECTION);
    p[0x1fff] = 1; /* still writable */
    MmUnsecureVirtualMemory(h);
    CHECK(Protect(p, 0x1000, PAGE_READONLY) == STATUS_SUCCESS);

    /* PAGE_READONLY: the page may become writable, never inaccessible. */
    h2 = MmSecureVirtualMemory(p, 0x1000, PAGE_READONLY);
    CHECK(h2 != NULL);
    CHECK(MmSecureVirtualMemory(p, 0x1000, PAGE_READWRITE) == NULL); /* a read-only page */
    CHECK(Protect(p, 0x1000, PAGE_NOACCESS) == STATUS_INVALID_PAGE_PROTECTION);
    CHECK(Protect(p, 0x1000, PAGE_READWRITE) == STATUS_SUCCESS);
    MmUnsecureVirtualMemory(h2);

    /* What cannot be secured. */
    CHECK(MmSecureVirtualMemory(p, 0, PAGE_READONLY) == NULL);
    CHECK(MmSecureVirtualMemory(p, 0x1000, PAGE_EXECUTE) == NULL);
    CHECK(MmSecureVirtualMemory(p, 0x20000, PAGE_READONLY) == NULL); /* past the allocation */
    CHECK(MmSecureVirtualMemory((PVOID)&Protect, 1, PAGE_READONLY) == NULL); /* a kernel address */
    CHECK(Free(p + 0x1000, 0x1000, MEM_DECOMMIT) == STATUS_SUCCESS);
    CHECK(MmSecureVirtualMemory(p + 0x1000, 1, PAGE_READONLY) == NULL); /* reserved, not committed */
    CHECK(Protect(p, 0x1000, PAGE_NOACCESS) == STATUS_SUCCESS);
    CHECK(MmSecureVirtualMemory(p, 0x1000, PAGE_READONLY) == NULL); /* inaccessible */
    CHECK(Free(p, 0, MEM_RELEASE) == STATUS_SUCCESS);
    return failures;
}

/*
 * User buffers: ProbeForRead/ProbeForWrite raise, and faults on user addresses inside __try are
 * dispatched to the driver's handler, the way a driver handles METHOD_NEITHER buffers.
 */
#include "wdkseh.h"

static unsigned long ProbeCode(PVOID address, SIZE_T length, ULONG alignment, BOOLEAN write)
{
    unsigned long code = 0;
    __try {
        if (write)
            ProbeForWrite(address, length, alignment);
        else
            ProbeForRead(address, length, alignment);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        code = _exception_code();
    }
    return code;
}

ULONG TestProbe(void)
{
    ULONG failures = 0;
    /* A kernel address is not a user buffer. */
    CHECK(ProbeCode((PVOID)(ULONG_PTR)WDKSEH_KERNEL_ADDRESS, 16, 1, FALSE) == (unsigned long)STATUS_ACCESS_VIOLATION);
    /* A range that ends above MmUserProbeAddress (0x7FFFFFFF0000 on x64, 0x7FFF0000 on x86). */
    CHECK(ProbeCode((PVOID)MmUserProbeAddress, 16, 1, FALSE) == (unsigned long)STATUS_ACCESS_VIOLATION);
    CHECK(ProbeCode((PVOID)(MmUserProbeAddress - 16), 16, 1, FALSE) == 0);
    /* A wrapping range. */
    CHECK(ProbeCode((PVOID)0x10000, (SIZE_T)-0x8000, 1, FALSE) == (unsigned long)STATUS_ACCESS_VIOLATION);
    /* Misaligned. */
    CHECK(ProbeCode((PVOID)0x10002, 8, 4, FALSE) == (unsigned long)STATUS_DATATYPE_MISALIGNMENT);
    /* ProbeForRead checks the range only; a length of 0 checks nothing. */
    CHECK(ProbeCode((PVOID)0x10000, 64, 8, FALSE) == 0);
    CHECK(ProbeCode((PVOID)(ULONG_PTR)(WDKSEH_KERNEL_ADDRESS + 1), 0, 8, FALSE) == 0);
    /* ProbeForWrite touches the pages: an unmapped user page is an access violation. */
    CHECK(ProbeCode((PVOID)0x10000, 64, 8, TRUE) == (unsigned long)STATUS_ACCESS_VIOLATION);
    return failures;
}

/*
 * The accesses sit in functions of their own, called inside __try: clang 14 does not put loads
 * and stores themselves in SEH scopes (its -fasync-exceptions leaves the scope table empty), but
 * a call inside __try is covered, and the fault in the callee unwinds to it — what MSVC /kernel
 * code gets for inline accesses too.
 */
static __declspec(noinline) ULONG ReadUlong(volatile ULONG *p) { return *p; }
static __declspec(noinline) void WriteUlong(volatile ULONG *p, ULONG v) { *p = v; }

static int SaveInfo(EXCEPTION_POINTERS *info, ULONG_PTR *out)
{
    out[0] = info->ExceptionRecord->ExceptionInformation[0];
    out[1] = info->ExceptionRecord->ExceptionInformation[1];
    return EXCEPTION_EXECUTE_HANDLER;
}

ULONG TestCpuFault(void)
{
    ULONG failures = 0;
    volatile ULONG *user = (volatile ULONG *)0x20000;
    volatile ULONG value = 7;
    unsigned long code = 0;
    ULONG_PTR info[2] = {0, 0};
    __try {
        value = ReadUlong(user);
    } __except (SaveInfo((EXCEPTION_POINTERS *)_exception_info(), info)) {
        code = _exception_code();
    }
    CHECK(code == (unsigned long)STATUS_ACCESS_VIOLATION);
    CHECK(info[0] == 0);          /* a read */
    CHECK(info[1] == 0x20000);    /* of this address */
    CHECK(value == 7);
    code = 0;
    __try {
        WriteUlong(user, 1);
    } __except (SaveInfo((EXCEPTION_POINTERS *)_exception_info(), info)) {
        code = _exception_code();
    }
    CHECK(code == (unsigned long)STATUS_ACCESS_VIOLATION);
    CHECK(info[0] == 1);          /* a write */
    return failures;
}

ULONG UnhandledProbe(void)
{
    ProbeForRead((PVOID)(ULONG_PTR)WDKSEH_KERNEL_ADDRESS, 16, 1);
    return 1;
}

/* An invalid kernel address is not dispatched even inside __try (PAGE_FAULT_IN_NONPAGED_AREA). */
ULONG UnhandledKernelFault(void)
{
    volatile ULONG *p = (volatile ULONG *)(ULONG_PTR)WDKSEH_WILD_KERNEL_ADDRESS;
    ULONG v = 0;
    __try {
        v = ReadUlong(p);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        v = 2;
    }
    return v;
}

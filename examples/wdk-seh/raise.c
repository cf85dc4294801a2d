/* Software exceptions: ExRaiseStatus / RtlRaiseException caught by __except, __finally on unwind. */
#include "wdkseh.h"

static volatile LONG g_finally;
static volatile LONG g_abnormal;

/* A filter as a function: records the code and decides. */
static int Filter(unsigned long code, unsigned long want, unsigned long *seen)
{
    *seen = code;
    return code == want ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH;
}

ULONG TestRaiseExcept(void)
{
    ULONG failures = 0;
    unsigned long seen = 0, inBlock = 0;
    volatile int reached = 0;
    __try {
        ExRaiseStatus(WDKSEH_STATUS);
        reached = 1;
    } __except (Filter(_exception_code(), WDKSEH_STATUS, &seen)) {
        inBlock = _exception_code();
    }
    CHECK(reached == 0);
    CHECK(seen == (unsigned long)WDKSEH_STATUS);
    CHECK(inBlock == (unsigned long)WDKSEH_STATUS);
    inBlock = 0;
    __try {
        ExRaiseAccessViolation();
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        inBlock = _exception_code();
    }
    CHECK(inBlock == (unsigned long)STATUS_ACCESS_VIOLATION);
    __try {
        ExRaiseDatatypeMisalignment();
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        inBlock = _exception_code();
    }
    CHECK(inBlock == (unsigned long)STATUS_DATATYPE_MISALIGNMENT);
    return failures;
}

static void RaiseInside(void)
{
    __try {
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    } __finally {
        g_finally++;
        g_abnormal = _abnormal_termination();
    }
}

ULONG TestFinally(void)
{
    ULONG failures = 0;
    unsigned long code = 0;
    g_finally = 0;
    g_abnormal = 0;
    __try {
        RaiseInside();
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        code = _exception_code();
    }
    CHECK(code == (unsigned long)STATUS_INSUFFICIENT_RESOURCES);
    CHECK(g_finally == 1);
    CHECK(g_abnormal != 0);
    /* A __finally on the normal path runs once, not abnormally. */
    g_finally = 0;
    __try {
        g_finally += 10;
    } __finally {
        g_finally++;
        g_abnormal = _abnormal_termination();
    }
    CHECK(g_finally == 11);
    CHECK(g_abnormal == 0);
    return failures;
}

ULONG TestFilterSearch(void)
{
    ULONG failures = 0;
    unsigned long innerSeen = 0, outerSeen = 0;
    volatile int innerBlock = 0, outerBlock = 0;
    __try {
        __try {
            ExRaiseStatus(STATUS_INVALID_PARAMETER);
        } __except (Filter(_exception_code(), STATUS_ACCESS_VIOLATION, &innerSeen)) {
            innerBlock = 1;
        }
    } __except (Filter(_exception_code(), STATUS_INVALID_PARAMETER, &outerSeen)) {
        outerBlock = 1;
    }
    CHECK(innerSeen == (unsigned long)STATUS_INVALID_PARAMETER);
    CHECK(outerSeen == (unsigned long)STATUS_INVALID_PARAMETER);
    CHECK(innerBlock == 0);
    CHECK(outerBlock == 1);
    return failures;
}

/* Three frames deep, each with local state the unwind must not disturb in the catcher. */
static __declspec(noinline) ULONG Level3(ULONG x)
{
    if (x > 2)
        ExRaiseStatus(STATUS_INTEGER_OVERFLOW);
    return x;
}
static __declspec(noinline) ULONG Level2(ULONG x)
{
    volatile ULONG local[32];
    for (ULONG i = 0; i < 32; i++)
        local[i] = i * x;
    return Level3(x + 1) + local[5];
}
static __declspec(noinline) ULONG Level1(ULONG x)
{
    return Level2(x + 1) * 2;
}

ULONG TestNestedFrames(void)
{
    ULONG failures = 0;
    volatile ULONG before = 0x1234, result = 0;
    unsigned long code = 0;
    __try {
        result = Level1(1);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        code = _exception_code();
    }
    CHECK(code == (unsigned long)STATUS_INTEGER_OVERFLOW);
    CHECK(result == 0);
    CHECK(before == 0x1234);
    /* Without the raise the same frames return normally. */
    CHECK(Level1(0) == 2 * (2 + 5));
    return failures;
}

static int ContinueFilter(EXCEPTION_POINTERS *info, volatile int *calls)
{
    (*calls)++;
    return info->ExceptionRecord->ExceptionCode == (NTSTATUS)WDKSEH_STATUS ? EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}

ULONG TestContinueExecution(void)
{
    ULONG failures = 0;
    volatile int calls = 0, after = 0;
    EXCEPTION_RECORD record;
    RtlZeroMemory(&record, sizeof(record));
    record.ExceptionCode = WDKSEH_STATUS;
    record.ExceptionFlags = 0; /* continuable */
    __try {
        RtlRaiseException(&record);
        after = 1;
    } __except (ContinueFilter((EXCEPTION_POINTERS *)_exception_info(), &calls)) {
        after = 2;
    }
    CHECK(calls == 1);
    CHECK(after == 1);
    return failures;
}

ULONG UnhandledRaise(void)
{
    ExRaiseStatus(WDKSEH_STATUS);
    return 1;
}

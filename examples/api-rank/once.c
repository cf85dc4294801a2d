/*
 * apirank.sys — one-time initialisation: RtlRunOnceInitialize and RtlRunOnceExecuteOnce
 * (ntddk.h; Microsoft Learn, and its RunOnceInitialization callback page).
 */
#include "apirank.h"

static LONG g_Calls;
static ULONG g_Result;       /* what the next InitFn call returns */
static PVOID g_Store;        /* what it stores in *Context */
static LONG g_Data;          /* 4-byte aligned: the low 2 bits of its address are clear */
static RTL_RUN_ONCE g_Nested;

static ULONG NTAPI InitOnce(PRTL_RUN_ONCE RunOnce, PVOID Parameter, PVOID *Context)
{
    UNREFERENCED_PARAMETER(RunOnce);
    g_Calls++;
    if (Parameter != (PVOID)&g_Calls) return FALSE;
    if (Context) *Context = g_Store;
    return g_Result;
}

int TestRunOnce(void)
{
    int failures = 0;
    RTL_RUN_ONCE once;
    PVOID context = NULL;

    once.Ptr = (PVOID)(ULONG_PTR)0x1234;
    RtlRunOnceInitialize(&once);
    CHECK(once.Ptr == NULL); /* RTL_RUN_ONCE_INIT */

    /* The callback fails: STATUS_UNSUCCESSFUL; the structure is not initialised, the next call tries again. */
    g_Calls = 0; g_Result = FALSE; g_Store = &g_Data;
    CHECK(!NT_SUCCESS(RtlRunOnceExecuteOnce(&once, InitOnce, &g_Calls, &context)));
    CHECK(g_Calls == 1);
    /* A context whose reserved low bits are set is refused. */
    g_Result = TRUE; g_Store = (PVOID)((ULONG_PTR)&g_Data | 1);
    CHECK(RtlRunOnceExecuteOnce(&once, InitOnce, &g_Calls, &context) == STATUS_INVALID_PARAMETER);
    CHECK(g_Calls == 2);
    /* Success: the callback's context, and never a second call. */
    g_Store = &g_Data;
    CHECK(RtlRunOnceExecuteOnce(&once, InitOnce, &g_Calls, &context) == STATUS_SUCCESS);
    CHECK(context == &g_Data && g_Calls == 3);
    context = NULL;
    g_Store = NULL;
    CHECK(RtlRunOnceExecuteOnce(&once, InitOnce, &g_Calls, &context) == STATUS_SUCCESS);
    CHECK(context == &g_Data && g_Calls == 3);
    CHECK(RtlRunOnceExecuteOnce(&once, InitOnce, &g_Calls, NULL) == STATUS_SUCCESS);
    CHECK(g_Calls == 3);
    return failures;
}

static ULONG NTAPI InitAgain(PRTL_RUN_ONCE RunOnce, PVOID Parameter, PVOID *Context)
{
    UNREFERENCED_PARAMETER(Parameter);
    /* The same structure, from its own initialisation: the call waits for itself. */
    RtlRunOnceExecuteOnce(RunOnce, InitAgain, NULL, Context);
    return TRUE;
}

int RunOnceReentered(void)
{
    PVOID context = NULL;
    RtlRunOnceInitialize(&g_Nested);
    return (int)RtlRunOnceExecuteOnce(&g_Nested, InitAgain, NULL, &context);
}

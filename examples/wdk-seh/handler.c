/*
 * A frame with the driver's own language handler (what the WDK's libcntpr.lib gives a driver that
 * brings its own C-specific handler): the handler is called during dispatch, unwinds to the
 * frame's resume point with RtlUnwindEx, and is called again during that unwind.
 */
#include "wdkseh.h"

NTSYSAPI VOID NTAPI RtlUnwindEx(PVOID TargetFrame, PVOID TargetIp, PEXCEPTION_RECORD ExceptionRecord, PVOID ReturnValue,
                                PCONTEXT ContextRecord, PVOID HistoryTable);

/* EXCEPTION_RECORD.ExceptionFlags (ntdef.h values; mingw-w64's DDK headers lack them). */
#define WDKSEH_UNWINDING 0x2
#define WDKSEH_EXIT_UNWIND 0x4
#define WDKSEH_TARGET_UNWIND 0x20

ULONG_PTR WdkSehGuarded(void (*routine)(void));
extern char WdkSehGuardedResume[];

/* WdkSehGuarded(routine): calls routine(); returns 0, or the code of an exception it raised. */
__asm__(".text\n"
        ".globl WdkSehGuarded\n"
        ".globl WdkSehGuardedResume\n"
        ".def WdkSehGuarded; .scl 2; .type 32; .endef\n"
        ".seh_proc WdkSehGuarded\n"
        "WdkSehGuarded:\n"
        "  pushq %rbp\n"
        "  .seh_pushreg %rbp\n"
        "  subq $32, %rsp\n"
        "  .seh_stackalloc 32\n"
        "  .seh_endprologue\n"
        "  .seh_handler WdkSehLanguageHandler, @except, @unwind\n"
        "  callq *%rcx\n"
        "  xorl %eax, %eax\n"
        "  nop\n"
        "WdkSehGuardedResume:\n"
        "  addq $32, %rsp\n"
        "  popq %rbp\n"
        "  retq\n"
        ".seh_endproc\n");

static volatile LONG g_dispatchCalls;
static volatile LONG g_unwindCalls;
static volatile ULONG g_unwindFlags;

EXCEPTION_DISPOSITION WdkSehLanguageHandler(PEXCEPTION_RECORD record, PVOID frame, PCONTEXT context, PVOID dispatcherContext)
{
    UNREFERENCED_PARAMETER(dispatcherContext);
    if (record->ExceptionFlags & (WDKSEH_UNWINDING | WDKSEH_EXIT_UNWIND)) {
        g_unwindCalls++;
        g_unwindFlags = record->ExceptionFlags;
        return ExceptionContinueSearch;
    }
    g_dispatchCalls++;
    RtlUnwindEx(frame, WdkSehGuardedResume, record, (PVOID)(ULONG_PTR)(ULONG)record->ExceptionCode, context, NULL);
    return ExceptionContinueSearch; /* not reached */
}

static void RaiseCustom(void) { ExRaiseStatus(WDKSEH_STATUS); }
static void NoRaise(void) { }

ULONG TestOwnHandler(void)
{
    ULONG failures = 0;
    g_dispatchCalls = g_unwindCalls = 0;
    CHECK(WdkSehGuarded(NoRaise) == 0);
    CHECK(g_dispatchCalls == 0 && g_unwindCalls == 0);
    CHECK(WdkSehGuarded(RaiseCustom) == (ULONG)WDKSEH_STATUS);
    CHECK(g_dispatchCalls == 1);
    CHECK(g_unwindCalls == 1);
    /* Its own frame is the target of the unwind. */
    CHECK((g_unwindFlags & (WDKSEH_UNWINDING | WDKSEH_TARGET_UNWIND)) == (WDKSEH_UNWINDING | WDKSEH_TARGET_UNWIND));
    return failures;
}

/*
 * A frame with the driver's own language handler (what the WDK's libcntpr.lib gives a driver that
 * brings its own C-specific handler): the handler is called during dispatch, unwinds to the
 * frame's resume point with RtlUnwindEx, and is called again during that unwind.
 */
#include "wdkseh.h"

NTSYSAPI VOID NTAPI RtlUnwindEx(PVOID TargetFrame, PVOID TargetIp, PEXCEPTION_RECORD ExceptionRecord, PVOID ReturnValue,
                                PCONTEXT ContextRecord, PVOID HistoryTable);
NTSYSAPI VOID NTAPI RtlUnwind(PVOID TargetFrame, PVOID TargetIp, PEXCEPTION_RECORD ExceptionRecord, PVOID ReturnValue);

/* EXCEPTION_RECORD.ExceptionFlags (ntdef.h values; mingw-w64's DDK headers lack them). */
#define WDKSEH_UNWINDING 0x2
#define WDKSEH_EXIT_UNWIND 0x4
#define WDKSEH_TARGET_UNWIND 0x20

/* cdecl: written in assembly below (it returns with `ret`), called from code built with /Gz. */
ULONG_PTR __cdecl WdkSehGuarded(void (*routine)(void));
extern char WdkSehGuardedResume[];

static volatile LONG g_dispatchCalls;
static volatile LONG g_unwindCalls;
static volatile ULONG g_unwindFlags;
static volatile LONG g_innerFinally;
static volatile LONG g_legacyUnwind;

#if defined(_M_IX86)
/*
 * x86: the frame-based protocol. WdkSehGuarded installs an EXCEPTION_REGISTRATION { Next, Handler }
 * at FS:[0] on its own stack, calls routine() and removes it. Its handler unwinds the frames above
 * with RtlUnwind (which, on x86, returns: the target's own handler is not called) and takes
 * control back itself, restoring ESP/EBP from the registration and jumping to the resume point —
 * what MSVC's __except_handler4 does after its filter accepted an exception.
 */
EXCEPTION_DISPOSITION __cdecl WdkSehFrameHandler(PEXCEPTION_RECORD record, PVOID frame, PCONTEXT context, PVOID dispatcherContext);

__asm__(".text\n"
        ".globl _WdkSehGuarded\n"
        ".globl _WdkSehGuardedResume\n"
        "_WdkSehGuarded:\n"
        "  pushl %ebp\n"
        "  movl %esp, %ebp\n"
        "  pushl %ebx\n"
        "  pushl %esi\n"
        "  pushl %edi\n"
        "  pushl $_WdkSehFrameHandler\n"
        "  pushl %fs:0\n"
        "  movl %esp, %fs:0\n"
        "  call *8(%ebp)\n"
        "  xorl %eax, %eax\n"
        "_WdkSehGuardedResume:\n"
        "  popl %ecx\n"
        "  movl %ecx, %fs:0\n"
        "  addl $4, %esp\n"
        "  popl %edi\n"
        "  popl %esi\n"
        "  popl %ebx\n"
        "  popl %ebp\n"
        "  ret\n");
/* The handler is registered in the frame: /SAFESEH lists it. */
__asm__(".safeseh _WdkSehFrameHandler\n");

EXCEPTION_DISPOSITION __cdecl WdkSehFrameHandler(PEXCEPTION_RECORD record, PVOID frame, PCONTEXT context, PVOID dispatcherContext)
{
    UNREFERENCED_PARAMETER(context);
    UNREFERENCED_PARAMETER(dispatcherContext);
    if (record->ExceptionFlags & (WDKSEH_UNWINDING | WDKSEH_EXIT_UNWIND)) {
        g_unwindCalls++;
        g_unwindFlags = record->ExceptionFlags;
        return ExceptionContinueSearch;
    }
    g_dispatchCalls++;
    RtlUnwind(frame, WdkSehGuardedResume, record, NULL);
    /* The registration sits below the saved EBX/ESI/EDI: EBP = frame + 20. */
    __asm__ volatile("movl %0, %%esp\n\t"
                     "movl %1, %%ebp\n\t"
                     "jmp _WdkSehGuardedResume"
                     :
                     : "c"(frame), "d"((ULONG_PTR)frame + 20), "a"(record->ExceptionCode));
    __builtin_unreachable();
}

/* The frame above: its __finally runs during the unwind. */
static void RaiseCustom(void)
{
    __try {
        ExRaiseStatus(WDKSEH_STATUS);
    } __finally {
        g_innerFinally++;
    }
}
static void NoRaise(void) { }

ULONG TestOwnHandler(void)
{
    ULONG failures = 0;
    g_dispatchCalls = g_unwindCalls = g_innerFinally = 0;
    CHECK(WdkSehGuarded(NoRaise) == 0);
    CHECK(g_dispatchCalls == 0 && g_unwindCalls == 0);
    CHECK(WdkSehGuarded(RaiseCustom) == (ULONG)WDKSEH_STATUS);
    CHECK(g_dispatchCalls == 1);
    /* RtlUnwind ran the frame above (its __finally), and stopped below its own frame. */
    CHECK(g_innerFinally == 1);
    CHECK(g_unwindCalls == 0);
    /* The registration is gone: FS:[0] is back to what it was. */
    CHECK(WdkSehGuarded(NoRaise) == 0);
    return failures;
}
#else

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

EXCEPTION_DISPOSITION WdkSehLanguageHandler(PEXCEPTION_RECORD record, PVOID frame, PCONTEXT context, PVOID dispatcherContext)
{
    UNREFERENCED_PARAMETER(dispatcherContext);
    if (record->ExceptionFlags & (WDKSEH_UNWINDING | WDKSEH_EXIT_UNWIND)) {
        g_unwindCalls++;
        g_unwindFlags = record->ExceptionFlags;
        return ExceptionContinueSearch;
    }
    g_dispatchCalls++;
    /* RtlUnwind is RtlUnwindEx with a context of its own. */
    if (g_legacyUnwind)
        RtlUnwind(frame, WdkSehGuardedResume, record, (PVOID)(ULONG_PTR)(ULONG)record->ExceptionCode);
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
    /* The same through RtlUnwind. */
    g_dispatchCalls = g_unwindCalls = 0;
    g_legacyUnwind = 1;
    CHECK(WdkSehGuarded(RaiseCustom) == (ULONG)WDKSEH_STATUS);
    g_legacyUnwind = 0;
    CHECK(g_dispatchCalls == 1 && g_unwindCalls == 1);
    return failures;
}
#endif

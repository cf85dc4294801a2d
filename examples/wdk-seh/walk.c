/*
 * A stack walk: x64 with RtlCaptureContext / RtlLookupFunctionEntry / RtlVirtualUnwind; x86 (no
 * unwind data) with RtlCaptureContext's i386 CONTEXT, whose Eip is the caller's return point.
 */
#include "wdkseh.h"

#if defined(_M_IX86)
NTSYSAPI VOID NTAPI RtlCaptureContext(PCONTEXT ContextRecord);

static __declspec(noinline) ULONG_PTR CallerPc(ULONG_PTR *returnAddress, ULONG_PTR *stack)
{
    CONTEXT context;
    *returnAddress = (ULONG_PTR)__builtin_return_address(0);
    RtlZeroMemory(&context, sizeof(context));
    RtlCaptureContext(&context);
    *stack = context.Esp;
    /* Eip: where RtlCaptureContext returns to, inside this function. */
    return context.Eip;
}

ULONG TestStackWalk(void)
{
    ULONG failures = 0;
    ULONG_PTR expected = 0, esp = 0;
    ULONG_PTR here = (ULONG_PTR)&expected;
    ULONG_PTR pc = CallerPc(&expected, &esp);
    CHECK(pc > (ULONG_PTR)CallerPc && pc < (ULONG_PTR)CallerPc + 0x100);
    CHECK(expected > (ULONG_PTR)TestStackWalk && expected < (ULONG_PTR)TestStackWalk + 0x100);
    /* The captured ESP is the callee's stack, just below this frame. */
    CHECK(esp != 0 && esp < here && here - esp < 0x1000);
    return failures;
}
#else

/* winnt.h declarations mingw-w64's DDK headers lack. */
typedef struct _WDKSEH_RUNTIME_FUNCTION {
    ULONG BeginAddress;
    ULONG EndAddress;
    ULONG UnwindData;
} WDKSEH_RUNTIME_FUNCTION, *PWDKSEH_RUNTIME_FUNCTION;
NTSYSAPI VOID NTAPI RtlCaptureContext(PCONTEXT ContextRecord);
NTSYSAPI PWDKSEH_RUNTIME_FUNCTION NTAPI RtlLookupFunctionEntry(ULONG64 ControlPc, PULONG64 ImageBase, PVOID HistoryTable);
NTSYSAPI PVOID NTAPI RtlVirtualUnwind(ULONG HandlerType, ULONG64 ImageBase, ULONG64 ControlPc, PWDKSEH_RUNTIME_FUNCTION FunctionEntry,
                                      PCONTEXT ContextRecord, PVOID *HandlerData, PULONG64 EstablisherFrame, PVOID ContextPointers);

static __declspec(noinline) ULONG64 CallerPc(ULONG64 *returnAddress)
{
    CONTEXT context;
    ULONG64 base = 0, frame = 0;
    PVOID data = NULL;
    *returnAddress = (ULONG64)__builtin_return_address(0);
    RtlCaptureContext(&context);
    PWDKSEH_RUNTIME_FUNCTION entry = RtlLookupFunctionEntry(context.Rip, &base, NULL);
    if (!entry)
        return 0;
    RtlVirtualUnwind(0, base, context.Rip, entry, &context, &data, &frame, NULL);
    return context.Rip;
}

ULONG TestStackWalk(void)
{
    ULONG failures = 0;
    ULONG64 expected = 0;
    ULONG64 pc = CallerPc(&expected);
    CHECK(pc != 0);
    CHECK(pc == expected);
    ULONG64 base = 0;
    CHECK(RtlLookupFunctionEntry((ULONG64)&TestStackWalk, &base, NULL) != NULL);
    CHECK(base != 0 && base < (ULONG64)&TestStackWalk);
    return failures;
}
#endif

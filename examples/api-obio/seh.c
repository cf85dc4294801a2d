/*
 * The compiler helpers: _local_unwind (what MSVC calls when control leaves a __try early; here
 * called directly, with this function's establisher frame found by RtlVirtualUnwind, so the
 * __finally between runs and execution continues at the target label) and _purecall (a pure
 * virtual call: STATUS_NOT_IMPLEMENTED raised, which a handler can take).
 */
#include "apiobio.h"

int __cdecl _purecall(void);

/* winnt.h declarations mingw-w64's DDK headers lack. */
typedef struct _OBIO_RUNTIME_FUNCTION {
    ULONG BeginAddress;
    ULONG EndAddress;
    ULONG UnwindData;
} OBIO_RUNTIME_FUNCTION, *POBIO_RUNTIME_FUNCTION;
NTSYSAPI VOID NTAPI RtlCaptureContext(PCONTEXT ContextRecord);
NTSYSAPI POBIO_RUNTIME_FUNCTION NTAPI RtlLookupFunctionEntry(ULONG64 ControlPc, PULONG64 ImageBase, PVOID HistoryTable);
NTSYSAPI PVOID NTAPI RtlVirtualUnwind(ULONG HandlerType, ULONG64 ImageBase, ULONG64 ControlPc, POBIO_RUNTIME_FUNCTION FunctionEntry,
                                      PCONTEXT ContextRecord, PVOID *HandlerData, PULONG64 EstablisherFrame, PVOID ContextPointers);

static volatile LONG g_Finally;

#if defined(__x86_64__) || defined(_M_X64)
/* x64 only: RtlLookupFunctionEntry / RtlVirtualUnwind and CONTEXT.Rip (x86 has no unwind tables). */
__declspec(noinline) static LONG LocalUnwindOnce(void)
{
    volatile LONG stage = 0;
    void *volatile target = &&after;
    CONTEXT c;
    ULONG64 imageBase = 0, frame = 0;
    PVOID handlerData = NULL;
    POBIO_RUNTIME_FUNCTION f;

    __try {
        stage = 1;
        RtlCaptureContext(&c);
        f = RtlLookupFunctionEntry(c.Rip, &imageBase, NULL);
        if (f) {
            RtlVirtualUnwind(0 /* UNW_FLAG_NHANDLER */, imageBase, c.Rip, f, &c, &handlerData, &frame, NULL);
            stage = 2;
            _local_unwind((PVOID)frame, target);
        }
        stage = 3;
    } __finally {
        g_Finally++;
    }
    if (stage == 99) goto *target;
    return -stage;
after:
    return stage;
}
#endif

ULONG NTAPI TestLocalUnwind(void)
{
    ULONG failures = 0;
    LONG caught = 0;
    g_Finally = 0;
#if defined(__x86_64__) || defined(_M_X64)
    CHECK(LocalUnwindOnce() == 2);
    CHECK(g_Finally == 1);
#endif
    __try {
        _purecall();
    } __except (GetExceptionCode() == STATUS_NOT_IMPLEMENTED ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH) {
        caught = 1;
    }
    CHECK(caught == 1);
    return failures;
}

/* A pure virtual call with no handler: KMODE_EXCEPTION_NOT_HANDLED. */
ULONG NTAPI PureCall(void)
{
    return (ULONG)_purecall();
}

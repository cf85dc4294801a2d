/*
 * procchg.c - the processor change callback: records every notification it gets and, when asked,
 * fails the start notification (the only state a callback may fail, Learn).
 */
#include "qahyperv.h"

VOID RecordProcessorChange(PVOID CallbackContext, PKE_PROCESSOR_CHANGE_NOTIFY_CONTEXT ChangeContext, PNTSTATUS OperationStatus)
{
    PPROC_CHANGE_LOG log = (PPROC_CHANGE_LOG)CallbackContext;
    if (log->Calls < ARRAY_LEN(log->Order))
        log->Order[log->Calls] = ChangeContext->State;
    log->Calls++;
    log->LastNtNumber = ChangeContext->NtNumber;
    if (ChangeContext->State == KeProcessorAddStartNotify) {
        log->Starts++;
        if (ChangeContext->ProcNumber.Number != (UCHAR)ChangeContext->NtNumber || ChangeContext->ProcNumber.Group != 0)
            log->Starts += 100; /* the PROCESSOR_NUMBER must name the same processor */
        if (log->FailWith != STATUS_SUCCESS)
            *OperationStatus = log->FailWith;
    } else if (ChangeContext->State == KeProcessorAddCompleteNotify) {
        log->Completes++;
    }
}

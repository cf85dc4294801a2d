/*
 * process.c — the safe HwTool only ends the calling process itself (the caller's own ID from
 * PsGetCurrentProcessId); a request naming any other process is refused.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

NTSYSAPI NTSTATUS NTAPI ZwTerminateProcess(HANDLE ProcessHandle, NTSTATUS ExitStatus);

NTSTATUS HwKillProcess(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_KILL_REQUEST *req = (HWTOOL_KILL_REQUEST *)Irp->AssociatedIrp.SystemBuffer;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_KILL_REQUEST))
        return STATUS_INVALID_PARAMETER;
    if ((HANDLE)req->ProcessId != PsGetCurrentProcessId())
        return STATUS_ACCESS_DENIED;
    Irp->IoStatus.Information = 0;
    return ZwTerminateProcess(NtCurrentProcess(), STATUS_SUCCESS);
}

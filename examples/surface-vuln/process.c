/*
 * process.c — "kill a process for the user": opens the process whose ID the caller passes, with
 * full access, from kernel mode, and terminates it. Any process, protected or not.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

NTSYSAPI NTSTATUS NTAPI ZwTerminateProcess(HANDLE ProcessHandle, NTSTATUS ExitStatus);

NTSTATUS HwKillProcess(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_KILL_REQUEST *req = (HWTOOL_KILL_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    OBJECT_ATTRIBUTES oa;
    CLIENT_ID cid;
    HANDLE process;
    NTSTATUS status;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_KILL_REQUEST))
        return STATUS_INVALID_PARAMETER;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    cid.UniqueProcess = (HANDLE)req->ProcessId;
    cid.UniqueThread = NULL;
    status = ZwOpenProcess(&process, PROCESS_ALL_ACCESS, &oa, &cid);
    if (!NT_SUCCESS(status))
        return status;
    status = ZwTerminateProcess(process, STATUS_SUCCESS);
    ZwClose(process);
    Irp->IoStatus.Information = 0;
    return status;
}

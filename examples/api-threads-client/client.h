/* tlogcli.sys — shared declarations (client.c, writer.c). */
#pragma once
#include "../api-threads-worker/tlog.h"

#define WRITER_MESSAGES 3

NTKERNELAPI NTSTATUS NTAPI IoCreateSystemThread(PVOID IoObject, PHANDLE ThreadHandle, ULONG DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle, PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext);
KSTART_ROUTINE WriterThread;

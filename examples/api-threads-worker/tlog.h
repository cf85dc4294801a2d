/*
 * tlog.sys — shared declarations of the logger library (init.c, queue.c, selftest.c) and the
 * interface its clients import (examples/api-threads-client).
 */
#pragma once
#include <ntddk.h>

#define TLOG_TAG 'golT' /* "Tlog" */
#define TLOG_MAX_MESSAGE 64
/* The worker's periodic flush timer, in milliseconds. */
#define TLOG_TICK_MS 10

typedef struct _TLOG_STATS {
    LONG Written;        /* messages queued by TlogWrite */
    LONG Drained;        /* messages the worker took off the queue */
    LONG Ticks;          /* flush-timer wake-ups of the worker */
    LONG WakeUps;        /* data-event wake-ups of the worker */
    ULONG Checksum;      /* sum of the drained messages' bytes */
    HANDLE WorkerId;     /* PsGetCurrentThreadId() in the worker */
    LONG BadIrql;        /* times the worker ran above PASSIVE_LEVEL */
} TLOG_STATS, *PTLOG_STATS;

#ifdef TLOG_EXPORTS
#define TLOG_API
#else
#define TLOG_API DECLSPEC_IMPORT
#endif

EXTERN_C TLOG_API NTSTATUS NTAPI TlogWrite(ULONG Level, PCSTR Message);
EXTERN_C TLOG_API VOID NTAPI TlogQueryStats(PTLOG_STATS Stats);
EXTERN_C TLOG_API int NTAPI TlogSelfTest(void);
EXTERN_C TLOG_API int NTAPI TlogDeadlock(void);

#ifdef TLOG_EXPORTS
/* Routines of ntifs.h/newer wdm.h that this driver uses (stdcall on x86: the WDK compiles with /Gz). */
NTKERNELAPI NTSTATUS NTAPI PsGetThreadExitStatus(PETHREAD Thread);
NTKERNELAPI NTSTATUS NTAPI IoCreateSystemThread(PVOID IoObject, PHANDLE ThreadHandle, ULONG DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle, PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext);

typedef struct _TLOG_ENTRY {
    LIST_ENTRY Link;
    ULONG Level;
    CHAR Text[TLOG_MAX_MESSAGE];
} TLOG_ENTRY, *PTLOG_ENTRY;

typedef struct _TLOG_STATE {
    KSPIN_LOCK Lock;
    LIST_ENTRY Queue;
    KEVENT StopEvent;   /* notification: set once by DllUnload */
    KEVENT DataEvent;   /* synchronization: one wake-up per burst of writes */
    KTIMER FlushTimer;  /* synchronization timer, periodic */
    PKTHREAD Worker;    /* referenced thread object */
    TLOG_STATS Stats;
} TLOG_STATE, *PTLOG_STATE;

extern TLOG_STATE g_Tlog;
VOID TlogDrain(PTLOG_STATE State);
#endif

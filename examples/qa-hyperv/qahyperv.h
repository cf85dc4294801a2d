/*
 * qahyperv.h - shared by the qahyperv.sys sources: each Test* export returns the number of failed
 * checks (apitest.h's CHECK prints each failure).
 */
#pragma once
#include <ntddk.h>
#include "../include/apitest.h"

/* 'hPmM': the tag Windows allocates MmGetPhysicalMemoryRanges' array with; callers free it so. */
#define PHYS_RANGES_TAG 'hPmM'

/* ptebase.c */
ULONG_PTR FindPteBase(void);

/* procchg.c: what the processor change callback saw. */
typedef struct _PROC_CHANGE_LOG {
    ULONG Calls;
    ULONG Starts;
    ULONG Completes;
    ULONG LastNtNumber;
    ULONG Order[16];        /* State of each call, in order */
    NTSTATUS FailWith;      /* written to *OperationStatus on KeProcessorAddStartNotify */
} PROC_CHANGE_LOG, *PPROC_CHANGE_LOG;

PROCESSOR_CALLBACK_FUNCTION RecordProcessorChange;

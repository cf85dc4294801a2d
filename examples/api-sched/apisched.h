/*
 * apisched.sys — shared declarations. Each Test* export checks its results in C and returns
 * the number of failed checks; the other exports misuse the scheduler on purpose.
 */
#pragma once
#include "../include/apitest.h"

#define SCHED_TAG 'hcSA' /* "AScH" */

/* A relative due time / timeout in milliseconds (negative 100 ns units). */
#define RELATIVE_MS(ms) (-(LONGLONG)(ms) * 10000)

typedef struct _SCHED_LOG {
    LONG Count;
    LONG Order[16];
    KIRQL Irql[16];
    PVOID Argument[16];
} SCHED_LOG, *PSCHED_LOG;

VOID LogEvent(PSCHED_LOG Log, LONG What, PVOID Argument);
extern PDEVICE_OBJECT g_FakeDevice;

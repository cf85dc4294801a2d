/*
 * apicsq.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; the other exports misuse the routines on purpose.
 */
#pragma once
#include "../include/apitest.h"

#define CSQ_TAG 'qsCA' /* "ACsq" */
#define RELATIVE_MS(ms) (-(LONGLONG)(ms) * 10000)

extern PDRIVER_OBJECT g_Driver;

/* A device of this driver for one test (unnamed); IoDeleteDevice when done. */
PDEVICE_OBJECT CreateTestDevice(void);
/* An IRP with one stack location made current, as a dispatch routine sees it. */
PIRP AllocateTestIrp(PDEVICE_OBJECT Device);
VOID SleepMs(LONG Ms);

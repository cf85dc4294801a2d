/*
 * wdkhdr.sys - shared declarations. Each Test* export returns the number of failed checks.
 */
#pragma once
#include <ntifs.h>
#include <ntstrsafe.h>
#include <bthdef.h>
#include <BthIoctl.h>
#include <Bthddi.h>

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            DbgPrint("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                         \
        }                                                                       \
    } while (0)

/* shapes.c */
int TestImageInfo(void);
/* strsafe.c */
int TestUnicodePrintf(void);

/*
 * qasystem.sys — shared declarations. Each Test* export returns the number of failed checks
 * (CHECK prints "FAIL ..." through DbgPrint).
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define QS_TAG 'syQQ'

NTKERNELAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);

/* SYSTEM_MODULE_INFORMATION (class 11) entry, x64 (ReactOS / public headers: RTL_PROCESS_MODULE_INFORMATION). */
typedef struct _QS_MODULE {
    HANDLE Section;
    PVOID MappedBase;
    PVOID ImageBase;
    ULONG ImageSize;
    ULONG Flags;
    USHORT LoadOrderIndex;
    USHORT InitOrderIndex;
    USHORT LoadCount;
    USHORT OffsetToFileName;
    UCHAR FullPathName[256];
} QS_MODULE;

typedef struct _QS_MODULES {
    ULONG NumberOfModules;
    QS_MODULE Modules[1];
} QS_MODULES;

/* A module of the loaded-module list by base name (case-insensitive), or NULL; frees nothing. */
QS_MODULE *QsFindModule(QS_MODULES *mods, const char *name);
QS_MODULES *QsQueryModules(void);

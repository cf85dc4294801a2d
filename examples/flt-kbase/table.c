/*
 * fltkbase.sys - the name table, guarded by a Filter Manager push lock (see fltkbase.h).
 */
#define FLTKBASE_EXPORTS
#include "fltkbase.h"

static EX_PUSH_LOCK TableLock;
static UNICODE_STRING Names[FLTKBASE_MAX_NAMES];
static ULONG NameCount;

NTSTATUS
FkTableInit(VOID)
{
    FltInitializePushLock(&TableLock);
    NameCount = 0;
    return STATUS_SUCCESS;
}

VOID
FkTableFinit(VOID)
{
    ULONG i;

    FltAcquirePushLockExclusive(&TableLock);
    for (i = 0; i < NameCount; i++)
        ExFreePoolWithTag(Names[i].Buffer, FLTKBASE_TAG);
    NameCount = 0;
    FltReleasePushLock(&TableLock);
    FltDeletePushLock(&TableLock);
}

NTSTATUS NTAPI
FkTableInsert(PCUNICODE_STRING Name)
{
    NTSTATUS status = STATUS_SUCCESS;
    PWCH copy;

    if (Name == NULL || Name->Length == 0)
        return STATUS_INVALID_PARAMETER;
    copy = ExAllocatePoolWithTag(PagedPool, Name->Length, FLTKBASE_TAG);
    if (copy == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlCopyMemory(copy, Name->Buffer, Name->Length);

    FltAcquirePushLockExclusive(&TableLock);
    if (NameCount < FLTKBASE_MAX_NAMES) {
        Names[NameCount].Buffer = copy;
        Names[NameCount].Length = Name->Length;
        Names[NameCount].MaximumLength = Name->Length;
        NameCount++;
        copy = NULL;
    } else {
        status = STATUS_INSUFFICIENT_RESOURCES;
    }
    FltReleasePushLock(&TableLock);
    if (copy != NULL)
        ExFreePoolWithTag(copy, FLTKBASE_TAG);
    return status;
}

ULONG NTAPI
FkTableCount(VOID)
{
    ULONG n;

    FltAcquirePushLockShared(&TableLock);
    n = NameCount;
    FltReleasePushLock(&TableLock);
    return n;
}

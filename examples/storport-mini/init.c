/*
 * StorPortInitialize's documented answers (Microsoft Learn, StorPortInitialize: "Return value"):
 * STATUS_INVALID_PARAMETER when Argument1, Argument2 or HwInitializationData is NULL;
 * STATUS_REVISION_MISMATCH when the structure's version is not valid — a size below the oldest
 * Storport structure (HW_INITIALIZATION_DATA_SIZE_WIN7) or a required routine missing (ReactOS's
 * storport checks HwInitialize, HwStartIo, HwFindAdapter, HwResetBus). A rejected call leaves the
 * driver object alone; an accepted one gives storport the driver object's dispatch table,
 * AddDevice and (when the miniport has none) DriverUnload.
 */
#include "stormini.h"

static PDRIVER_UNLOAD StorportUnload;

/* The miniport's own unload, chaining to storport's (as miniports that hook DriverUnload do). */
static VOID MiniUnload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("stormini: unload\n");
    if (StorportUnload != NULL) StorportUnload(DriverObject);
}

ULONG CheckInitialize(PDRIVER_OBJECT D, PUNICODE_STRING R)
{
    ULONG failures = 0;
    HW_INITIALIZATION_DATA d;
    PDRIVER_DISPATCH defaultDispatch = D->MajorFunction[IRP_MJ_CREATE];

    MiniFillInitData(&d);
    CHECK(StorPortInitialize(NULL, R, &d, NULL) == (ULONG)STATUS_INVALID_PARAMETER);
    CHECK(StorPortInitialize(D, NULL, &d, NULL) == (ULONG)STATUS_INVALID_PARAMETER);
    CHECK(StorPortInitialize(D, R, NULL, NULL) == (ULONG)STATUS_INVALID_PARAMETER);

    d.HwInitializationDataSize = 0;
    CHECK(StorPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);
    d.HwInitializationDataSize = HW_INITIALIZATION_DATA_SIZE_WIN7 - 1;
    CHECK(StorPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);

    MiniFillInitData(&d);
    d.HwInitialize = NULL;
    CHECK(StorPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);
    MiniFillInitData(&d);
    d.HwStartIo = NULL;
    CHECK(StorPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);
    MiniFillInitData(&d);
    d.HwFindAdapter = NULL;
    CHECK(StorPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);
    MiniFillInitData(&d);
    d.HwResetBus = NULL;
    CHECK(StorPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);

    /* Rejected registrations left the driver object as the I/O manager made it. */
    CHECK(D->MajorFunction[IRP_MJ_PNP] == defaultDispatch);
    CHECK(D->DriverUnload == NULL);
    CHECK(D->DriverExtension->AddDevice == NULL);

    /* HwInterrupt is optional, and a Windows 7-sized structure (an older storport.h) is accepted. */
    MiniFillInitData(&d);
    d.HwInterrupt = NULL;
    d.HwInitializationDataSize = HW_INITIALIZATION_DATA_SIZE_WIN7;
    CHECK(StorPortInitialize(D, R, &d, NULL) == STATUS_SUCCESS);
    CHECK(D->MajorFunction[IRP_MJ_PNP] != NULL && D->MajorFunction[IRP_MJ_PNP] != defaultDispatch);
    CHECK(D->MajorFunction[IRP_MJ_SCSI] != NULL && D->MajorFunction[IRP_MJ_SCSI] != defaultDispatch);
    CHECK(D->DriverExtension->AddDevice != NULL);
    CHECK(D->DriverUnload != NULL);
    StorportUnload = D->DriverUnload;

    /* A miniport that sets its own DriverUnload keeps it across a further registration. */
    D->DriverUnload = MiniUnload;
    MiniFillInitData(&d);
    CHECK(StorPortInitialize(D, R, &d, NULL) == STATUS_SUCCESS);
    CHECK(D->DriverUnload == MiniUnload);
    return failures;
}

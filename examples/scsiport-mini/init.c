/*
 * ScsiPortInitialize's answers (Microsoft Learn: for a Plug and Play miniport it stores the
 * initialization data and returns the status DriverEntry returns; the port driver's checks, as
 * ReactOS's scsiport makes them): NULL arguments → STATUS_INVALID_PARAMETER; a structure larger
 * than the port driver's → STATUS_REVISION_MISMATCH; a required routine (HwInitialize,
 * HwFindAdapter, HwStartIo, HwResetBus) NULL → STATUS_REVISION_MISMATCH; an older, smaller
 * structure is accepted. A rejected call leaves the driver object alone; an accepted one gives
 * scsiport the dispatch table, StartIo, AddDevice and (when the miniport has none) DriverUnload.
 * Also the helpers a miniport calls outside any adapter.
 */
#include "scsimini.h"

static PDRIVER_UNLOAD PortUnload;

/* The miniport's own unload, chaining to scsiport's. */
static VOID MiniUnload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("scsimini: unload\n");
    if (PortUnload != NULL) PortUnload(DriverObject);
}

ULONG CheckInitialize(PDRIVER_OBJECT D, PUNICODE_STRING R)
{
    ULONG failures = 0;
    HW_INITIALIZATION_DATA d;
    PDRIVER_DISPATCH defaultDispatch = D->MajorFunction[IRP_MJ_CREATE];

    MiniFillInitData(&d);
    CHECK(ScsiPortInitialize(NULL, R, &d, NULL) == (ULONG)STATUS_INVALID_PARAMETER);
    CHECK(ScsiPortInitialize(D, NULL, &d, NULL) == (ULONG)STATUS_INVALID_PARAMETER);
    CHECK(ScsiPortInitialize(D, R, NULL, NULL) == (ULONG)STATUS_INVALID_PARAMETER);

    d.HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA) + 1;
    CHECK(ScsiPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);

    MiniFillInitData(&d);
    d.HwInitialize = NULL;
    CHECK(ScsiPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);
    MiniFillInitData(&d);
    d.HwStartIo = NULL;
    CHECK(ScsiPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);
    MiniFillInitData(&d);
    d.HwFindAdapter = NULL;
    CHECK(ScsiPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);
    MiniFillInitData(&d);
    d.HwResetBus = NULL;
    CHECK(ScsiPortInitialize(D, R, &d, NULL) == (ULONG)STATUS_REVISION_MISMATCH);

    /* Rejected registrations left the driver object as the I/O manager made it. */
    CHECK(D->MajorFunction[IRP_MJ_PNP] == defaultDispatch);
    CHECK(D->DriverUnload == NULL);
    CHECK(D->DriverStartIo == NULL);
    CHECK(D->DriverExtension->AddDevice == NULL);

    /* HwInterrupt is optional, and a Windows XP-sized structure (an older srb.h) is accepted. */
    MiniFillInitData(&d);
    d.HwInterrupt = NULL;
    d.HwInitializationDataSize = HW_INITIALIZATION_DATA_SIZE_XP;
    CHECK(ScsiPortInitialize(D, R, &d, NULL) == STATUS_SUCCESS);
    CHECK(D->MajorFunction[IRP_MJ_PNP] != NULL && D->MajorFunction[IRP_MJ_PNP] != defaultDispatch);
    CHECK(D->MajorFunction[IRP_MJ_SCSI] != NULL && D->MajorFunction[IRP_MJ_SCSI] != defaultDispatch);
    CHECK(D->DriverStartIo != NULL);
    CHECK(D->DriverExtension->AddDevice != NULL);
    CHECK(D->DriverUnload != NULL);
    PortUnload = D->DriverUnload;

    /* A miniport that sets its own DriverUnload keeps it across a further registration (one per interface type). */
    D->DriverUnload = MiniUnload;
    MiniFillInitData(&d);
    d.AdapterInterfaceType = Isa;
    CHECK(ScsiPortInitialize(D, R, &d, NULL) == STATUS_SUCCESS);
    CHECK(D->DriverUnload == MiniUnload);
    return failures;
}

ULONG CheckHelpers(void)
{
    ULONG failures = 0;
    char buf[11] = "0123456789";
    LARGE_INTEGER before, after;

    ScsiDebugPrint(0, "scsimini: debug print %s %d 0x%x\n", "works", 42, 0xbeef);

    /* Overlapping moves, as RtlMoveMemory. */
    ScsiPortMoveMemory(buf + 2, buf, 6);
    CHECK(RtlCompareMemory(buf, "0101234589", 10) == 10);
    ScsiPortMoveMemory(buf, buf + 4, 6);
    CHECK(RtlCompareMemory(buf, "2345894589", 10) == 10);

    /* I/O ports (the legacy range a miniport might probe): what is written reads back from the latch. */
    ScsiPortWritePortUchar((PUCHAR)(ULONG_PTR)0x300, 0x5A);
    CHECK(ScsiPortReadPortUchar((PUCHAR)(ULONG_PTR)0x300) == 0x5A);
    ScsiPortWritePortUshort((PUSHORT)(ULONG_PTR)0x302, 0x1234);
    CHECK(ScsiPortReadPortUshort((PUSHORT)(ULONG_PTR)0x302) == 0x1234);
    ScsiPortWritePortUlong((PULONG)(ULONG_PTR)0x304, 0xCAFEF00D);
    CHECK(ScsiPortReadPortUlong((PULONG)(ULONG_PTR)0x304) == 0xCAFEF00D);

    /* Registers: a mapped address read and written in place. */
    {
        volatile UCHAR reg8 = 0;
        volatile USHORT reg16 = 0;
        volatile ULONG reg32 = 0;
        ScsiPortWriteRegisterUchar((PUCHAR)&reg8, 0xA5);
        ScsiPortWriteRegisterUshort((PUSHORT)&reg16, 0xBEEF);
        ScsiPortWriteRegisterUlong((PULONG)&reg32, 0x12345678);
        CHECK(reg8 == 0xA5 && reg16 == 0xBEEF && reg32 == 0x12345678);
        CHECK(ScsiPortReadRegisterUchar((PUCHAR)&reg8) == 0xA5);
        CHECK(ScsiPortReadRegisterUshort((PUSHORT)&reg16) == 0xBEEF);
        CHECK(ScsiPortReadRegisterUlong((PULONG)&reg32) == 0x12345678);
    }

    /* The stall is a busy wait of Delay microseconds: the system time moves on by at least that. */
    KeQuerySystemTime(&before);
    ScsiPortStallExecution(10);
    KeQuerySystemTime(&after);
    CHECK(after.QuadPart - before.QuadPart >= 100);
    return failures;
}

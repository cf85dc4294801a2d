/*
 * PCI configuration space through HalGetBusDataByOffset / HalSetBusDataByOffset, the bus scan
 * hardware utilities do, bus address translation, CMOS, and processor queries.
 */
#include "apihw.h"

/* Configuration mechanism #1 as port-scanning tools write it: select with CONFIG_ADDRESS, then
   read or write CONFIG_DATA (each helper one `out` or `in`, the same sites on every architecture). */
static __declspec(noinline) void PciSelect(ULONG address)
{
    WRITE_PORT_ULONG((PULONG)0xCF8, address);
}

static __declspec(noinline) ULONG PciData(ULONG port, ULONG size)
{
    if (size == 1) return READ_PORT_UCHAR((PUCHAR)(ULONG_PTR)port);
    if (size == 2) return READ_PORT_USHORT((PUSHORT)(ULONG_PTR)port);
    return READ_PORT_ULONG((PULONG)(ULONG_PTR)port);
}

static __declspec(noinline) void PciDataWrite(ULONG value)
{
    WRITE_PORT_ULONG((PULONG)0xCFC, value);
}

static ULONG PciConfigRead(ULONG bus, ULONG device, ULONG reg)
{
    PciSelect(0x80000000 | (bus << 16) | (device << 11) | (reg & 0xFC));
    return PciData(0xCFC, 4);
}

int TestPci(void)
{
    int failures = 0;
    PCI_SLOT_NUMBER slot;
    ULONG device, found = 0, n, bar0 = 0, scratch;
    USHORT ids[2];
    UCHAR cls[2], cmos[4];
    PHYSICAL_ADDRESS bus, translated;
    ULONG space = 0;

    /* Scan bus 0: the default machine has a host bridge at 0.0 and a network controller at 3.0. */
    for (device = 0; device < 32; device++) {
        slot.u.AsULONG = 0;
        slot.u.bits.DeviceNumber = device;
        n = HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, ids, 0, sizeof(ids));
        if (n == sizeof(ids) && ids[0] != PCI_INVALID_VENDORID) found++;
        else CHECK(n == 2 && ids[0] == PCI_INVALID_VENDORID);
    }
    CHECK(found == 2);

    slot.u.AsULONG = 0;
    slot.u.bits.DeviceNumber = 3;
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, ids, 0, 4) == 4);
    CHECK(ids[0] == 0x8086 && ids[1] == 0x100E);
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, cls, 0x0A, 2) == 2);
    CHECK(cls[1] == 0x02 && cls[0] == 0x00); /* network controller, Ethernet */
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, &bar0, 0x10, 4) == 4);
    CHECK(bar0 == 0xFEBC0000);

    /* The same bus through configuration mechanism #1 (CONFIG_ADDRESS 0xCF8, CONFIG_DATA 0xCFC),
       as tools that bypass the HAL scan it: an empty slot reads all ones. */
    n = 0;
    for (device = 0; device < 32; device++)
        if (PciConfigRead(0, device, 0) != 0xFFFFFFFF) n++;
    CHECK(n == 2);
    CHECK(PciConfigRead(0, 3, 0) == 0x100E8086);
    CHECK(PciData(0xCFE, 2) == 0x100E);
    PciSelect(0x80000000 | (3 << 11) | 0x08);
    CHECK(PciData(0xCFF, 1) == 0x02); /* class code: network controller */
    CHECK(PciConfigRead(0, 3, 0x10) == 0xFEBC0000);
    /* A write through the port is a configuration write: the HAL sees it; the IDs stay read-only. */
    PciDataWrite(0xFEBD0000);
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, &scratch, 0x10, 4) == 4 && scratch == 0xFEBD0000);
    PciDataWrite(0xFEBC0000);
    PciSelect(0x80000000 | (3 << 11));
    PciDataWrite(0);
    CHECK(PciData(0xCFC, 4) == 0x100E8086);
    /* With the enable bit clear, CONFIG_DATA is no configuration access (nothing latched: all ones). */
    PciSelect(3 << 11);
    CHECK(PciData(0xCFC, 4) == 0xFFFFFFFF);
    PciSelect(0);
    /* Writes stick (a BAR sizing write), except to the read-only IDs. */
    scratch = 0xFFFFFFFF;
    CHECK(HalSetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, &scratch, 0x10, 4) == 4);
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, &bar0, 0x10, 4) == 4 && bar0 == 0xFFFFFFFF);
    CHECK(HalSetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, &scratch, 0, 4) == 4);
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, ids, 0, 4) == 4 && ids[0] == 0x8086);
    /* Reads past the 256-byte space return 0 bytes; a bus that does not exist too. */
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, &scratch, 0x100, 4) == 0);
    CHECK(HalGetBusDataByOffset(PCIConfiguration, 7, slot.u.AsULONG, &scratch, 0, 4) == 0);
    /* The old whole-header form. */
    CHECK(HalGetBusData(PCIConfiguration, 0, 0, ids, 4) == 4 && ids[0] == 0x8086 && ids[1] == 0x1237);

    /* CMOS bytes go through ports 0x70/0x71: what is written reads back. */
    cmos[0] = 0x12;
    CHECK(HalSetBusDataByOffset(Cmos, 0, 0, cmos, 0x20, 1) == 1);
    cmos[0] = 0;
    CHECK(HalGetBusDataByOffset(Cmos, 0, 0, cmos, 0x20, 1) == 1 && cmos[0] == 0x12);

    bus.QuadPart = 0xFEBC0000;
    CHECK(HalTranslateBusAddress(PCIBus, 0, bus, &space, &translated) == TRUE);
    CHECK(translated.QuadPart == 0xFEBC0000 && space == 0);
    CHECK(HalTranslateBusAddress((INTERFACE_TYPE)99, 0, bus, &space, &translated) == FALSE);

    CHECK(HalSetBusData(PCIConfiguration, 0, 0, ids, 4) == 4);

    CHECK(KeQueryActiveProcessors() == 1);
    CHECK(KeQueryMaximumProcessorCount() == 1);
    CHECK(KeQueryMaximumProcessorCountEx(ALL_PROCESSOR_GROUPS) == 1);
    {
        PROCESSOR_NUMBER number;
        KAFFINITY old;
        CHECK(KeGetProcessorNumberFromIndex(0, &number) == STATUS_SUCCESS && number.Group == 0 && number.Number == 0);
        CHECK(KeGetProcessorIndexFromNumber(&number) == 0);
        CHECK(KeGetProcessorNumberFromIndex(1, &number) == STATUS_INVALID_PARAMETER);
        number.Number = 5;
        CHECK(KeGetProcessorIndexFromNumber(&number) == INVALID_PROCESSOR_INDEX);
        KeSetSystemAffinityThread(1);
        KeRevertToUserAffinityThread();
        old = KeSetSystemAffinityThreadEx(1);
        CHECK(old == 1);
        KeRevertToUserAffinityThreadEx(old);
    }
    return failures;
}

static volatile LONG g_synchronized;

static BOOLEAN NTAPI SynchronizeRoutine(PVOID Context)
{
    g_synchronized = (LONG)(ULONG_PTR)Context;
    return TRUE;
}

static BOOLEAN NTAPI Isr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    return FALSE;
}

int TestInterrupt(void)
{
    int failures = 0;
    PKINTERRUPT interrupt = NULL;
    KIRQL irql = 0;
    KAFFINITY affinity = 0;
    ULONG vector;
    NTSTATUS st;

    vector = HalGetInterruptVector(PCIBus, 0, 11, 11, &irql, &affinity);
    CHECK(vector != 0 && irql > DISPATCH_LEVEL && affinity == 1);
    st = IoConnectInterrupt(&interrupt, Isr, (PVOID)7, NULL, vector, irql, irql, LevelSensitive, TRUE, affinity, FALSE);
    CHECK(st == STATUS_SUCCESS && interrupt != NULL);
    if (NT_SUCCESS(st)) {
        /* The routine runs at the interrupt's synchronize IRQL; the caller's IRQL is restored. */
        CHECK(KeSynchronizeExecution(interrupt, SynchronizeRoutine, (PVOID)100) == TRUE);
        CHECK(g_synchronized == 100);
        CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
        IoDisconnectInterrupt(interrupt);
    }
    CHECK(IoConnectInterrupt(&interrupt, NULL, NULL, NULL, vector, irql, irql, LevelSensitive, TRUE, affinity, FALSE) == STATUS_INVALID_PARAMETER);
    return failures;
}

/* A wild buffer pointer: the emulator stops with a clean invalid-write fault. */
int WildBusBuffer(void)
{
    PCI_SLOT_NUMBER slot;
    slot.u.AsULONG = 0;
    return (int)HalGetBusDataByOffset(PCIConfiguration, 0, slot.u.AsULONG, (PVOID)(ULONG_PTR)0xDEAD0000ULL, 0, 4);
}

/*
 * IoSetStartIoAttributes(DeviceObject, DeferredStartIo, NonCancelable) (Learn, ntddk.h; the
 * Wiper.BEEP sample in the corpus sets it in DriverEntry): with DeferredStartIo, an
 * IoStartNextPacket made inside StartIo does not re-enter StartIo — the next packet starts when
 * the current invocation returns; without it StartIo is re-entered.
 */
#include "qafresh7.h"

static LONG Depth, MaxDepth, Calls;
static PIRP Order[4];

static VOID NTAPI QaStartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    LONG d = ++Depth;
    if (d > MaxDepth) MaxDepth = d;
    if (Calls < 4) Order[Calls] = Irp;
    Calls++;
    IoStartNextPacket(DeviceObject, FALSE);
    Depth--;
}

/* Two packets on a device: the first starts at once, the second is queued behind it; the first
 * StartIo asks for the next packet. Returns the deepest StartIo nesting seen. */
static LONG RunTwo(PDEVICE_OBJECT dev, PIRP a, PIRP b)
{
    Depth = MaxDepth = Calls = 0;
    /* Queue b behind a busy device (CurrentIrp set, as while a packet is being processed), then start a. */
    dev->CurrentIrp = a;
    IoStartPacket(dev, b, NULL, NULL);
    dev->CurrentIrp = NULL;
    IoStartPacket(dev, a, NULL, NULL);
    return MaxDepth;
}

__declspec(dllexport) ULONG TestStartIoAttributes(void)
{
    ULONG failures = 0;
    PDEVICE_OBJECT dev = NULL;
    PIRP a, b;
    QaDriver->DriverStartIo = QaStartIo;
    CHECK(IoCreateDevice(QaDriver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev) == STATUS_SUCCESS);
    if (dev == NULL) return failures;
    a = IoAllocateIrp(1, FALSE);
    b = IoAllocateIrp(1, FALSE);
    CHECK(a != NULL && b != NULL);
    if (a != NULL && b != NULL) {
        /* Default: StartIo is re-entered from IoStartNextPacket. */
        CHECK(RunTwo(dev, a, b) == 2);
        CHECK(Calls == 2 && Order[0] == a && Order[1] == b);
        CHECK(dev->CurrentIrp == NULL);
        /* Deferred: one level only, same order. */
        IoSetStartIoAttributes(dev, TRUE, TRUE);
        CHECK(RunTwo(dev, a, b) == 1);
        CHECK(Calls == 2 && Order[0] == a && Order[1] == b);
        CHECK(dev->CurrentIrp == NULL);
        /* Back to the default. */
        IoSetStartIoAttributes(dev, FALSE, FALSE);
        CHECK(RunTwo(dev, a, b) == 2);
    }
    if (a != NULL) IoFreeIrp(a);
    if (b != NULL) IoFreeIrp(b);
    IoDeleteDevice(dev);
    QaDriver->DriverStartIo = NULL;
    return failures;
}

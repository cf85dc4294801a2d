/*
 * The device IO timer: once IoStartTimer ran, the routine is called about once per second at
 * DISPATCH_LEVEL with the device object and the context given to IoInitializeTimer, until
 * IoStopTimer (Microsoft Learn, IoInitializeTimer / IoStartTimer / IoStopTimer).
 */
#include "apicsq.h"

typedef struct _TICKS {
    LONG Count;
    LONG BadIrql;
    PDEVICE_OBJECT Device;
    PVOID Tag;
} TICKS, *PTICKS;

static VOID NTAPI Tick(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    PTICKS t = (PTICKS)Context;
    t->Count++;
    if (KeGetCurrentIrql() != DISPATCH_LEVEL)
        t->BadIrql++;
    t->Device = DeviceObject;
}

int TestIoTimer(void)
{
    int failures = 0;
    TICKS a, b;
    PDEVICE_OBJECT dev = CreateTestDevice();
    LONG before;

    CHECK(dev != NULL);
    if (!dev) return failures;
    RtlZeroMemory(&a, sizeof(a));
    RtlZeroMemory(&b, sizeof(b));
    CHECK(dev->Timer == NULL);
    CHECK(IoInitializeTimer(dev, Tick, &a) == STATUS_SUCCESS);
    CHECK(dev->Timer != NULL);

    /* Not started: nothing runs. */
    SleepMs(2500);
    CHECK(a.Count == 0);

    /* Started: once per second. */
    IoStartTimer(dev);
    SleepMs(3500);
    CHECK(a.Count == 3);
    CHECK(a.BadIrql == 0);
    CHECK(a.Device == dev);

    /* Starting a running timer changes nothing. */
    IoStartTimer(dev);
    before = a.Count;
    SleepMs(1000);
    CHECK(a.Count == before + 1);

    /* Stopped: no more calls. */
    IoStopTimer(dev);
    before = a.Count;
    SleepMs(5000);
    CHECK(a.Count == before);
    IoStopTimer(dev); /* stopping a stopped timer is harmless */

    /* A second IoInitializeTimer for the device replaces the routine's context. */
    CHECK(IoInitializeTimer(dev, Tick, &b) == STATUS_SUCCESS);
    IoStartTimer(dev);
    SleepMs(2000);
    CHECK(b.Count == 2);
    CHECK(a.Count == before);

    /* Deleting the device stops its timer. */
    IoDeleteDevice(dev);
    SleepMs(3000);
    CHECK(b.Count == 2);
    return failures;
}

/* IoStartTimer for a device that never got IoInitializeTimer: DeviceObject->Timer is NULL. */
int StartTimerUninitialized(void)
{
    PDEVICE_OBJECT dev = CreateTestDevice();
    if (dev) IoStartTimer(dev);
    return 0;
}

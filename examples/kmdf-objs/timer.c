/* kmdfobjs: WDFTIMER — a periodic timer of the device and one-shot timers, on the emulated clock. */
#include "kmdfobjs.h"

static volatile LONG PassiveRuns;
static KIRQL PassiveIrql = 0xff;

static EVT_WDF_TIMER PeriodicTimerFunc;
static VOID PeriodicTimerFunc(WDFTIMER Timer)
{
    PDEVICE_CONTEXT ctx = KmdfObjsContext();
    ctx->Ticks++;
    ctx->TimerIrql = KeGetCurrentIrql();
    ctx->LastTimer = Timer;
}

static EVT_WDF_TIMER PassiveTimerFunc;
static VOID PassiveTimerFunc(WDFTIMER Timer)
{
    UNREFERENCED_PARAMETER(Timer);
    PassiveRuns++;
    PassiveIrql = KeGetCurrentIrql();
}

static EVT_WDF_TIMER NeverTimerFunc;
static VOID NeverTimerFunc(WDFTIMER Timer)
{
    UNREFERENCED_PARAMETER(Timer);
    KmdfObjsContext()->OneShots += 100;
}

/* The device's periodic timer: every 10 ms once started (DriverEntry). */
NTSTATUS KmdfObjsCreateTimer(WDFDEVICE Device)
{
    WDF_TIMER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_TIMER_CONFIG_INIT_PERIODIC(&config, PeriodicTimerFunc, 10);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = Device;
    return WdfTimerCreate(&config, &attributes, &KmdfObjsContext()->Periodic);
}

static VOID KmdfObjsSleep(LONG ms)
{
    LARGE_INTEGER t;
    t.QuadPart = -10000LL * ms;
    KeDelayExecutionThread(KernelMode, FALSE, &t);
}

ULONG NTAPI TimerTicks(VOID)
{
    return (ULONG)KmdfObjsContext()->Ticks;
}

/* Returns 0, or the number of the first check that failed. */
ULONG NTAPI TestTimer(VOID)
{
    PDEVICE_CONTEXT ctx = KmdfObjsContext();
    WDF_TIMER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFTIMER once, never, bad;
    LONG ticks;

    /* 1: the parent is the device. */
    if (WdfTimerGetParentObject(ctx->Periodic) != KmdfObjsDevice) return 1;
    /* 2, 3: the first start finds it idle (FALSE), the second finds it queued (TRUE). */
    ctx->Ticks = 0;
    if (WdfTimerStart(ctx->Periodic, WDF_REL_TIMEOUT_IN_MS(10)) != FALSE) return 2;
    if (WdfTimerStart(ctx->Periodic, WDF_REL_TIMEOUT_IN_MS(10)) != TRUE) return 3;
    if (ctx->Ticks != 0) return 3;
    /* 4-6: 35 ms later it has fired at 10, 20 and 30 ms, at DISPATCH_LEVEL, with its own handle. */
    KmdfObjsSleep(35);
    if (ctx->Ticks != 3) return 4;
    if (ctx->TimerIrql != DISPATCH_LEVEL) return 5;
    if (ctx->LastTimer != ctx->Periodic) return 6;
    /* 7-9: stopped, it no longer fires; a second stop finds nothing queued. */
    if (WdfTimerStop(ctx->Periodic, TRUE) != TRUE) return 7;
    if (WdfTimerStop(ctx->Periodic, FALSE) != FALSE) return 8;
    ticks = ctx->Ticks;
    KmdfObjsSleep(50);
    if (ctx->Ticks != ticks) return 9;

    /* 10, 11: a one-shot passive-level timer fires once, at PASSIVE_LEVEL (from a work item). */
    WDF_TIMER_CONFIG_INIT(&config, PassiveTimerFunc);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = KmdfObjsDevice;
    attributes.ExecutionLevel = WdfExecutionLevelPassive;
    if (!NT_SUCCESS(WdfTimerCreate(&config, &attributes, &once))) return 10;
    if (WdfTimerStart(once, WDF_REL_TIMEOUT_IN_MS(5)) != FALSE) return 10;
    KmdfObjsSleep(10);
    if (PassiveRuns != 1 || PassiveIrql != PASSIVE_LEVEL) return 10;
    KmdfObjsSleep(20);
    if (PassiveRuns != 1) return 11;

    /* 12-15: creations the framework refuses. */
    WDF_TIMER_CONFIG_INIT(&config, NeverTimerFunc);
    if (WdfTimerCreate(&config, WDF_NO_OBJECT_ATTRIBUTES, &bad) != STATUS_WDF_PARENT_NOT_SPECIFIED) return 12;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = KmdfObjsDriver;
    if (WdfTimerCreate(&config, &attributes, &bad) != STATUS_INVALID_DEVICE_REQUEST) return 13;
    attributes.ParentObject = KmdfObjsDevice;
    config.Size = 12;
    if (WdfTimerCreate(&config, &attributes, &bad) != STATUS_INFO_LENGTH_MISMATCH) return 14;
    WDF_TIMER_CONFIG_INIT_PERIODIC(&config, NeverTimerFunc, 5);
    attributes.ExecutionLevel = WdfExecutionLevelPassive;
    if (WdfTimerCreate(&config, &attributes, &bad) != STATUS_NOT_SUPPORTED) return 15;

    /* 16: a timer deleted while queued never fires. A timer may be the child of another object below the device. */
    WDF_TIMER_CONFIG_INIT(&config, NeverTimerFunc);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = once;
    if (!NT_SUCCESS(WdfTimerCreate(&config, &attributes, &never))) return 16;
    if (WdfTimerGetParentObject(never) != once) return 16;
    WdfTimerStart(never, WDF_REL_TIMEOUT_IN_MS(5));
    WdfObjectDelete(once); /* deletes its child `never` too */
    KmdfObjsSleep(20);
    if (ctx->OneShots != 0) return 16;

    /* The periodic timer is left running: the device's deletion at unload stops it. */
    WdfTimerStart(ctx->Periodic, WDF_REL_TIMEOUT_IN_MS(10));
    return 0;
}

/* Bad input: a deleted timer's handle is a WDF_VIOLATION bug check. */
ULONG NTAPI BadTimerHandle(VOID)
{
    WDF_TIMER_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFTIMER timer;
    WDF_TIMER_CONFIG_INIT(&config, NeverTimerFunc);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = KmdfObjsDevice;
    if (!NT_SUCCESS(WdfTimerCreate(&config, &attributes, &timer))) return 1;
    WdfObjectDelete(timer);
    return WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1));
}

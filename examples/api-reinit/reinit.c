/*
 * apireinit.sys — reinitialization routines, checked in C. DriverEntry registers a driver
 * reinitialization routine (which registers itself again until it has run three times) and a
 * boot-driver one. Each call checks DriverObject, Context, IRQL, the DRVO_* flag and that Count
 * is the running number of reinitialization calls; DriverUnload prints the totals, which the
 * test compares with what Windows does for a demand-start and a boot-start service.
 */
#include "reinit.h"

#ifndef DRVO_REINIT_REGISTERED
#define DRVO_REINIT_REGISTERED 0x00000008
#endif
#ifndef DRVO_BOOTREINIT_REGISTERED
#define DRVO_BOOTREINIT_REGISTERED 0x00000020
#endif

static PDRIVER_OBJECT g_Driver;
static ULONG g_Calls;        /* reinitialization calls of both kinds, in order */
static ULONG g_DriverCalls;
static ULONG g_BootCalls;
static ULONG g_Failures;
static ULONG g_Order;        /* 1 when a boot routine ran before the last driver routine */
static UCHAR g_DriverContext, g_BootContext;

static VOID Check(BOOLEAN ok, PCSTR what, ULONG Count)
{
    if (!ok) {
        g_Failures++;
        DbgPrint("apireinit: FAILED %s (Count %lu)\n", what, Count);
    }
}

static VOID NTAPI DriverReinit(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    g_Calls++;
    g_DriverCalls++;
    Check(DriverObject == g_Driver, "DriverObject", Count);
    Check(Context == &g_DriverContext, "Context", Count);
    Check(Count == g_Calls, "Count is the running number of calls", Count);
    Check(KeGetCurrentIrql() == PASSIVE_LEVEL, "PASSIVE_LEVEL", Count);
    Check((DriverObject->Flags & DRVO_REINIT_REGISTERED) != 0, "DRVO_REINIT_REGISTERED", Count);
    Check(DriverObject->DriverExtension->Count == Count, "DriverExtension->Count", Count);
    if (g_BootCalls)
        g_Order = 1;
    if (g_DriverCalls < 3)
        IoRegisterDriverReinitialization(DriverObject, DriverReinit, Context);
}

static VOID NTAPI BootReinit(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    g_Calls++;
    g_BootCalls++;
    Check(DriverObject == g_Driver, "boot DriverObject", Count);
    Check(Context == &g_BootContext, "boot Context", Count);
    Check(Count == g_Calls, "boot Count", Count);
    Check((DriverObject->Flags & DRVO_BOOTREINIT_REGISTERED) != 0, "DRVO_BOOTREINIT_REGISTERED", Count);
}

static VOID NTAPI Forever(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    UNREFERENCED_PARAMETER(Count);
    g_Calls++;
    IoRegisterDriverReinitialization(DriverObject, Forever, Context);
}

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("apireinit: driver reinit calls %lu, boot reinit calls %lu, all %lu, boot before driver %lu, failures %lu\n",
             g_DriverCalls, g_BootCalls, g_Calls, g_Order, g_Failures);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG mode = ReadMode(RegistryPath);

    g_Driver = DriverObject;
    DriverObject->DriverUnload = Unload;
    switch (mode) {
    case ModeNullDriver:
        IoRegisterDriverReinitialization(NULL, DriverReinit, NULL);
        break;
    case ModeForever:
        IoRegisterDriverReinitialization(DriverObject, Forever, NULL);
        break;
    default:
        IoRegisterDriverReinitialization(DriverObject, DriverReinit, &g_DriverContext);
        IoRegisterBootDriverReinitialization(DriverObject, BootReinit, &g_BootContext);
        break;
    }
    /* No routine runs before DriverEntry returns. */
    Check(g_Calls == 0, "no call before DriverEntry returns", 0);
    return STATUS_SUCCESS;
}

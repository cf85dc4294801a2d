/*
 * apiloadgaps.sys — Windows 8.1 EX_TIMER objects on kmdll's emulated clock: a one-shot relative
 * timer (callback at DISPATCH_LEVEL with the timer and the context; the object waitable), a
 * periodic one counting expiries, ExSetTimer on a pending timer (TRUE: re-armed), ExCancelTimer
 * (TRUE only while pending; no callback afterwards), ExDeleteTimer with Cancel TRUE / FALSE and its
 * DeleteCallback, and the misuses the service key's "Mode" selects.
 */
#include "loadgaps.h"

static UCHAR g_Ctx;
static volatile ULONG g_OneShot, g_Periodic, g_Never, g_BadArgs, g_HighIrql, g_Deleted, g_Late;
static PEX_TIMER g_Shot, g_Period;

static VOID NTAPI OneShot(PEX_TIMER Timer, PVOID Context)
{
    if (Timer != g_Shot || Context != &g_Ctx) g_BadArgs++;
    if (KeGetCurrentIrql() == DISPATCH_LEVEL) g_HighIrql++;
    g_OneShot++;
}
static VOID NTAPI Periodic(PEX_TIMER Timer, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    if (Timer != g_Period) g_BadArgs++;
    g_Periodic++;
}
static VOID NTAPI Never(PEX_TIMER Timer, PVOID Context) { UNREFERENCED_PARAMETER(Timer); UNREFERENCED_PARAMETER(Context); g_Never++; }
static VOID NTAPI Late(PEX_TIMER Timer, PVOID Context) { UNREFERENCED_PARAMETER(Timer); UNREFERENCED_PARAMETER(Context); g_Late++; }
static VOID NTAPI Deleted(PVOID Context) { if (Context == &g_Ctx) g_Deleted++; }

static VOID Sleep(LONGLONG ms)
{
    LARGE_INTEGER t;
    t.QuadPart = -ms * 10000;
    KeDelayExecutionThread(KernelMode, FALSE, &t);
}

VOID TestTimers(ULONG mode)
{
    EXT_SET_PARAMETERS set;
    EXT_DELETE_PARAMETERS del;
    PEX_TIMER never, late;
    LARGE_INTEGER zero = { .QuadPart = 0 };
    ULONG n;

    if (mode == ModeTimerBothRes)
        ExAllocateTimer(OneShot, &g_Ctx, EX_TIMER_HIGH_RESOLUTION | EX_TIMER_NO_WAKE); /* bug check */

    ExInitializeSetTimerParameters(&set);
    LgInitializeDeleteTimerParameters(&del);

    /* One-shot, 5 ms, high resolution, notification (stays signalled). */
    g_Shot = ExAllocateTimer(OneShot, &g_Ctx, EX_TIMER_HIGH_RESOLUTION | EX_TIMER_NOTIFICATION);
    Check(g_Shot != NULL, "ExAllocateTimer(high resolution, notification)");
    Check(ExSetTimer(g_Shot, -5 * 10000, 0, &set) == FALSE, "ExSetTimer on an idle timer: FALSE");
    Check(g_OneShot == 0, "no callback before the due time");
    Check(KeWaitForSingleObject(g_Shot, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS, "KeWaitForSingleObject on the EX_TIMER");
    Check(g_OneShot == 1 && g_BadArgs == 0 && g_HighIrql == 1, "callback once, with the timer and context, at DISPATCH_LEVEL");
    Check(KeWaitForSingleObject(g_Shot, Executive, KernelMode, FALSE, &zero) == STATUS_SUCCESS, "a notification EX_TIMER stays signalled");
    Check(ExCancelTimer(g_Shot, NULL) == FALSE, "ExCancelTimer after expiry: FALSE");

    /* Periodic, 2 ms after 2 ms: about 5 expiries in 11 ms, then cancelled. */
    g_Period = ExAllocateTimer(Periodic, NULL, 0);
    Check(g_Period != NULL, "ExAllocateTimer(periodic)");
    Check(ExSetTimer(g_Period, -2 * 10000, 2 * 10000, NULL) == FALSE, "ExSetTimer periodic, NULL Parameters");
    Sleep(11);
    n = g_Periodic;
    Check(n == 5, "periodic timer: 5 expiries in 11 ms");
    Check(ExCancelTimer(g_Period, NULL) == TRUE, "ExCancelTimer on a pending periodic timer: TRUE");
    Sleep(10);
    Check(g_Periodic == n, "no expiry after ExCancelTimer");
    Check(ExCancelTimer(g_Period, NULL) == FALSE, "ExCancelTimer again: FALSE");

    /* Re-arming a pending timer cancels it first (TRUE); it then expires only once. */
    g_OneShot = 0; g_HighIrql = 0;
    Check(ExSetTimer(g_Shot, -50 * 10000, 0, NULL) == FALSE, "ExSetTimer 50 ms");
    Check(ExSetTimer(g_Shot, -3 * 10000, 0, NULL) == TRUE, "ExSetTimer on a pending timer: TRUE");
    Sleep(60);
    Check(g_OneShot == 1, "the re-armed timer expired once");

    /* ExDeleteTimer(Cancel TRUE) on a pending timer: TRUE, no callback, DeleteCallback runs. */
    never = ExAllocateTimer(Never, NULL, 0);
    ExSetTimer(never, -5 * 10000, 0, NULL);
    del.DeleteCallback = Deleted;
    del.DeleteContext = &g_Ctx;
    Check(ExDeleteTimer(never, TRUE, TRUE, &del) == TRUE, "ExDeleteTimer(Cancel) of a pending timer: TRUE");
    Check(g_Deleted == 1, "DeleteCallback ran");
    Sleep(10);
    Check(g_Never == 0, "a deleted timer never calls back");
    if (mode == ModeTimerDeleted)
        ExSetTimer(never, -1, 0, NULL); /* bug check */

    /* ExDeleteTimer(Cancel FALSE) on a pending one-shot timer: FALSE; it still expires, then goes. */
    late = ExAllocateTimer(Late, NULL, 0);
    ExSetTimer(late, -2 * 10000, 0, NULL);
    if (mode == ModeTimerWaitNoCancel)
        ExDeleteTimer(late, FALSE, TRUE, &del); /* bug check */
    Check(ExDeleteTimer(late, FALSE, FALSE, &del) == FALSE, "ExDeleteTimer without Cancel: FALSE");
    Check(g_Late == 0 && g_Deleted == 1, "not expired, not deleted yet");
    Sleep(5);
    Check(g_Late == 1 && g_Deleted == 2, "expired, then deleted (DeleteCallback)");

    LgInitializeDeleteTimerParameters(&del);
    Check(ExDeleteTimer(g_Period, TRUE, FALSE, &del) == FALSE, "ExDeleteTimer of an idle timer: FALSE");
    Check(ExDeleteTimer(g_Shot, TRUE, TRUE, &del) == FALSE, "ExDeleteTimer of an expired timer: FALSE");
}

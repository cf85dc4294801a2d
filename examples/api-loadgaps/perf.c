/*
 * apiloadgaps.sys — PoFx performance states on a device with one component: registration with
 * invalid and valid PO_FX_COMPONENT_PERF_INFO, a blocking change (its callback runs before the
 * call returns), an asynchronous one (never inside the call: it runs once the driver waits), a
 * change outside the registered states (Succeeded FALSE) and the current state as
 * PoFxQueryCurrentComponentPerfState reports it. kmdll's machine has no power engine plug-in, so
 * registration needs PO_FX_FLAG_PERF_PEP_OPTIONAL and driver-supplied states.
 */
#include "loadgaps.h"

typedef struct _PERF_INFO2 {
    PO_FX_COMPONENT_PERF_INFO Info;      /* set 0: discrete, 3 frequencies */
    PO_FX_COMPONENT_PERF_SET Second;     /* set 1: a bandwidth range */
} PERF_INFO2;

static POHANDLE g_Po;
static UCHAR g_PoContext, g_Request;
static PO_FX_COMPONENT_IDLE_STATE g_IdleState = { 0, 0, 0 };
static PO_FX_PERF_STATE g_Freqs[3] = { { 100000000, NULL }, { 200000000, NULL }, { 400000000, NULL } };
volatile ULONG g_PerfCalls;
static volatile ULONG g_PerfOk, g_PerfFailed, g_BadContext;

static VOID NTAPI Idle(PVOID Context, ULONG Component)
{
    UNREFERENCED_PARAMETER(Context);
    PoFxCompleteIdleCondition(g_Po, Component);
}

static VOID NTAPI PerfDone(PVOID Context, ULONG Component, BOOLEAN Succeeded, PVOID Request)
{
    g_PerfCalls++;
    if (Context != &g_PoContext || Component != 0 || Request != &g_Request) g_BadContext++;
    if (Succeeded) g_PerfOk++; else g_PerfFailed++;
}

static VOID Describe(PERF_INFO2 *p)
{
    RtlZeroMemory(p, sizeof(*p));
    p->Info.PerfStateSetsCount = 2;
    RtlInitUnicodeString(&p->Info.PerfStateSets[0].Name, L"Clock frequency");
    p->Info.PerfStateSets[0].Unit = PoFxPerfStateUnitFrequency;
    p->Info.PerfStateSets[0].Type = PoFxPerfStateTypeDiscrete;
    p->Info.PerfStateSets[0].Discrete.Count = 3;
    p->Info.PerfStateSets[0].Discrete.States = g_Freqs;
    p->Second.Unit = PoFxPerfStateUnitBandwidth;
    p->Second.Type = PoFxPerfStateTypeRange;
    p->Second.Range.Minimum = 1000;
    p->Second.Range.Maximum = 8000;
}

VOID TestPerf(PDEVICE_OBJECT device, ULONG mode)
{
    PO_FX_DEVICE_V1 dev;
    PERF_INFO2 p;
    PPO_FX_COMPONENT_PERF_INFO out = (PPO_FX_COMPONENT_PERF_INFO)(ULONG_PTR)1;
    PO_FX_PERF_STATE_CHANGE change, two[2];
    ULONGLONG current = 0;
    LARGE_INTEGER ms = { .QuadPart = -10 * 1000 * 10 };
    ULONG before;

    RtlZeroMemory(&dev, sizeof(dev));
    dev.Version = 1;
    dev.ComponentCount = 1;
    dev.ComponentIdleConditionCallback = Idle;
    dev.DeviceContext = &g_PoContext;
    dev.Components[0].IdleStateCount = 1;
    dev.Components[0].IdleStates = &g_IdleState;
    Check(PoFxRegisterDevice(device, &dev, &g_Po) == STATUS_SUCCESS, "PoFxRegisterDevice");

    if (mode == ModeUnregisteredPerf) {
        change.Set = 0; change.StateIndex = 1;
        PoFxIssueComponentPerfStateChange(g_Po, PO_FX_FLAG_BLOCKING, 0, &change, &g_Request); /* bug check */
    }

    /* Invalid registrations. */
    Describe(&p);
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, PO_FX_FLAG_PERF_PEP_OPTIONAL, PerfDone, &p.Info, &out) == STATUS_INVALID_PARAMETER, "both InputStateInfo and OutputStateInfo: STATUS_INVALID_PARAMETER");
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, PO_FX_FLAG_PERF_PEP_OPTIONAL, PerfDone, NULL, NULL) == STATUS_INVALID_PARAMETER, "neither InputStateInfo nor OutputStateInfo: STATUS_INVALID_PARAMETER");
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, PO_FX_FLAG_PERF_PEP_OPTIONAL, PerfDone, NULL, &out) == STATUS_NOT_SUPPORTED && out == NULL, "the PEP's states without a PEP: STATUS_NOT_SUPPORTED, NULL");
    p.Info.PerfStateSetsCount = 0;
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, PO_FX_FLAG_PERF_PEP_OPTIONAL, PerfDone, &p.Info, NULL) == STATUS_INVALID_PARAMETER, "no sets: STATUS_INVALID_PARAMETER");
    Describe(&p);
    p.Second.Range.Minimum = 9000;
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, PO_FX_FLAG_PERF_PEP_OPTIONAL, PerfDone, &p.Info, NULL) == STATUS_INVALID_PARAMETER, "range Minimum > Maximum: STATUS_INVALID_PARAMETER");
    Describe(&p);
    p.Info.PerfStateSets[0].Discrete.Count = 0;
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, PO_FX_FLAG_PERF_PEP_OPTIONAL, PerfDone, &p.Info, NULL) == STATUS_INVALID_PARAMETER, "discrete set without states: STATUS_INVALID_PARAMETER");
    Describe(&p);
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, 0, PerfDone, &p.Info, NULL) == STATUS_NOT_SUPPORTED, "without PO_FX_FLAG_PERF_PEP_OPTIONAL and no PEP: STATUS_NOT_SUPPORTED");

    /* The registration; PoFx copied the description. */
    Check(PoFxRegisterComponentPerfStates(g_Po, 0, PO_FX_FLAG_PERF_PEP_OPTIONAL, PerfDone, &p.Info, NULL) == STATUS_SUCCESS, "PoFxRegisterComponentPerfStates(PEP_OPTIONAL, 2 sets)");
    RtlZeroMemory(&p, sizeof(p));
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 0, 0, 0, &current) == STATUS_SUCCESS && current == 100000000, "initial discrete state: the first one");
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 0, 0, 1, &current) == STATUS_SUCCESS && current == 1000, "initial range state: Minimum");
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 0, 0, 2, &current) == STATUS_INVALID_PARAMETER, "set index past the sets: STATUS_INVALID_PARAMETER");
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 1, 0, 0, &current) == STATUS_INVALID_PARAMETER, "Flags not 0: STATUS_INVALID_PARAMETER");

    if (mode == ModeBadPerfFlags) {
        change.Set = 0; change.StateIndex = 1;
        PoFxIssueComponentPerfStateChange(g_Po, 0, 0, &change, &g_Request); /* bug check */
    }

    /* A blocking change completes before the call returns. */
    change.Set = 0; change.StateIndex = 2;
    PoFxIssueComponentPerfStateChange(g_Po, PO_FX_FLAG_BLOCKING, 0, &change, &g_Request);
    Check(g_PerfCalls == 1 && g_PerfOk == 1, "blocking change: callback before returning, Succeeded");
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 0, 0, 0, &current) == STATUS_SUCCESS && current == 400000000, "discrete state 2 is current");

    /* A state outside the description: Succeeded FALSE, nothing changes. */
    change.Set = 0; change.StateIndex = 3;
    PoFxIssueComponentPerfStateChange(g_Po, PO_FX_FLAG_BLOCKING, 0, &change, &g_Request);
    Check(g_PerfCalls == 2 && g_PerfFailed == 1, "state index past the states: Succeeded FALSE");
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 0, 0, 0, &current) == STATUS_SUCCESS && current == 400000000, "state unchanged after a failed change");

    /* Two sets at once, asynchronously: not inside the call, done once the driver waits. */
    two[0].Set = 0; two[0].StateIndex = 0;
    two[1].Set = 1; two[1].StateValue = 4096;
    before = g_PerfCalls;
    PoFxIssueComponentPerfStateChangeMultiple(g_Po, PO_FX_FLAG_ASYNC_ONLY, 0, 2, two, &g_Request);
    Check(g_PerfCalls == before, "asynchronous change: no callback inside the call");
    KeDelayExecutionThread(KernelMode, FALSE, &ms);
    Check(g_PerfCalls == before + 1 && g_PerfOk == 2, "asynchronous change completed after a wait");
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 0, 0, 1, &current) == STATUS_SUCCESS && current == 4096, "range value 4096 is current");
    Check(PoFxQueryCurrentComponentPerfState(g_Po, 0, 0, 0, &current) == STATUS_SUCCESS && current == 100000000, "discrete state 0 is current");
    Check(g_BadContext == 0, "every callback got the device context, the component and the request context");
}

VOID PerfUnload(VOID)
{
    if (g_Po != NULL)
        PoFxUnregisterDevice(g_Po);
    g_Po = NULL;
}

/*
 * apiboot.sys — the device power framework (PoFx): registration with invalid and valid
 * PO_FX_DEVICE_V1 structures, the initial active condition, PoFxStartDevicePowerManagement
 * idling every component without an activation reference, activation references and their
 * condition callbacks, the per-component settings, PoFxPowerControl without a PEP, and
 * PoSetHiberRange.
 */
#include "apiboot.h"

/* A device with two components; the structure holds Components[1], so the second one follows. */
typedef struct _TWO_COMPONENTS {
    PO_FX_DEVICE_V1 Device;
    PO_FX_COMPONENT_V1 Second;
} TWO_COMPONENTS;

static POHANDLE g_Po;
static ULONG g_Active[2], g_Idle[2];
static ULONG g_Order[8], g_Events;
static UCHAR g_PoContext;
static PO_FX_COMPONENT_IDLE_STATE g_States[2] = { { 0, 0, 1000 }, { 10000, 50000, 0 } };
static UCHAR g_Hiber[64];

static VOID NTAPI Active(PVOID Context, ULONG Component)
{
    if (Context == &g_PoContext && Component < 2) g_Active[Component]++;
    if (g_Events < 8) g_Order[g_Events++] = 0x10 + Component;
}
static VOID NTAPI Idle(PVOID Context, ULONG Component)
{
    if (Context == &g_PoContext && Component < 2) g_Idle[Component]++;
    if (g_Events < 8) g_Order[g_Events++] = 0x20 + Component;
    PoFxCompleteIdleCondition(g_Po, Component);
}
static VOID NTAPI IdleState(PVOID Context, ULONG Component, ULONG State) { UNREFERENCED_PARAMETER(Context); UNREFERENCED_PARAMETER(State); PoFxCompleteIdleState(g_Po, Component); }
static VOID NTAPI PowerRequired(PVOID Context) { UNREFERENCED_PARAMETER(Context); PoFxReportDevicePoweredOn(g_Po); }
static VOID NTAPI PowerNotRequired(PVOID Context) { UNREFERENCED_PARAMETER(Context); PoFxCompleteDevicePowerNotRequired(g_Po); }

static VOID Describe(TWO_COMPONENTS *t)
{
    RtlZeroMemory(t, sizeof(*t));
    t->Device.Version = PO_FX_VERSION_V1;
    t->Device.ComponentCount = 2;
    t->Device.ComponentActiveConditionCallback = Active;
    t->Device.ComponentIdleConditionCallback = Idle;
    t->Device.ComponentIdleStateCallback = IdleState;
    t->Device.DevicePowerRequiredCallback = PowerRequired;
    t->Device.DevicePowerNotRequiredCallback = PowerNotRequired;
    t->Device.DeviceContext = &g_PoContext;
    t->Device.Components[0].IdleStateCount = 2;
    t->Device.Components[0].DeepestWakeableIdleState = 1;
    t->Device.Components[0].IdleStates = g_States;
    t->Second.IdleStateCount = 1;
    t->Second.IdleStates = g_States;
}

VOID TestPower(PDEVICE_OBJECT device, ULONG mode)
{
    TWO_COMPONENTS t;
    POHANDLE h = NULL;
    GUID code = { 0x12345678, 0x1234, 0x1234, { 1, 2, 3, 4, 5, 6, 7, 8 } };
    SIZE_T returned = 99;

    Describe(&t);
    Check(PoFxRegisterDevice(NULL, &t.Device, &h) == STATUS_INVALID_PARAMETER, "PoFxRegisterDevice(NULL Pdo)");
    t.Device.Version = 7;
    Check(PoFxRegisterDevice(device, &t.Device, &h) == STATUS_INVALID_PARAMETER, "PoFxRegisterDevice(Version 7)");
    Describe(&t);
    t.Device.ComponentCount = 0;
    Check(PoFxRegisterDevice(device, &t.Device, &h) == STATUS_INVALID_PARAMETER, "PoFxRegisterDevice(0 components)");
    Describe(&t);
    t.Second.IdleStateCount = 0;
    Check(PoFxRegisterDevice(device, &t.Device, &h) == STATUS_INVALID_PARAMETER, "PoFxRegisterDevice(no idle states)");
    Describe(&t);
    t.Device.Components[0].DeepestWakeableIdleState = 2;
    Check(PoFxRegisterDevice(device, &t.Device, &h) == STATUS_INVALID_PARAMETER, "PoFxRegisterDevice(DeepestWakeableIdleState past the states)");
    Check(h == NULL, "a failed registration leaves Handle alone");

    Describe(&t);
    Check(PoFxRegisterDevice(device, &t.Device, &g_Po) == STATUS_SUCCESS && g_Po != NULL, "PoFxRegisterDevice");
    if (g_Po == NULL)
        return;
    /* PoFx copied the structure: changing ours now changes nothing. */
    t.Device.ComponentIdleConditionCallback = NULL;
    /* Every component starts active; no callback yet. */
    Check(g_Events == 0, "no condition callback before PoFxStartDevicePowerManagement");
    /* Keep component 1 active across the start. */
    PoFxActivateComponent(g_Po, 1, 0);
    PoFxStartDevicePowerManagement(g_Po);
    Check(g_Idle[0] == 1 && g_Idle[1] == 0 && g_Active[0] == 0, "start idles component 0 only");
    PoFxActivateComponent(g_Po, 0, 0);
    Check(g_Active[0] == 1, "activating an idle component calls ComponentActiveConditionCallback");
    PoFxActivateComponent(g_Po, 0, 0);
    Check(g_Active[0] == 1, "a second reference calls nothing");
    PoFxIdleComponent(g_Po, 0, 0);
    Check(g_Idle[0] == 1, "dropping one of two references calls nothing");
    PoFxIdleComponent(g_Po, 0, 0);
    Check(g_Idle[0] == 2, "dropping the last reference calls ComponentIdleConditionCallback");
    PoFxIdleComponent(g_Po, 1, 0);
    Check(g_Idle[1] == 1 && g_Active[1] == 0, "component 1 idles when its pre-start reference is dropped");
    Check(g_Events == 4 && g_Order[0] == 0x20 && g_Order[1] == 0x10 && g_Order[2] == 0x20 && g_Order[3] == 0x21, "callback order");

    PoFxSetComponentLatency(g_Po, 0, 5000);
    PoFxSetComponentResidency(g_Po, 0, 100000);
    PoFxSetComponentWake(g_Po, 1, TRUE);
    PoFxSetDeviceIdleTimeout(g_Po, 10000000);
    Check(PoFxPowerControl(g_Po, &code, NULL, 0, NULL, 0, &returned) == STATUS_NOT_SUPPORTED && returned == 0, "PoFxPowerControl without a PEP");

    PoSetHiberRange(NULL, PO_MEM_DISCARD, g_Hiber, sizeof(g_Hiber), 'tooB');

    if (mode == ModeIdleUnreferenced)
        PoFxIdleComponent(g_Po, 0, 0); /* no reference left: Windows bug checks */
}

VOID PowerUnload(VOID)
{
    if (g_Po != NULL)
        PoFxUnregisterDevice(g_Po);
    g_Po = NULL;
}

/*
 * KeExpandKernelStackAndCallout(Ex): the callout runs once with its parameter before the routine
 * returns STATUS_SUCCESS, on a stack with Size bytes free; a Size above MAXIMUM_EXPANSION_SIZE
 * fails with STATUS_INVALID_PARAMETER_3 and the callout does not run.
 */
#include "apisched.h"

NTKERNELAPI NTSTATUS NTAPI KeExpandKernelStackAndCalloutEx(PEXPAND_STACK_CALLOUT Callout, PVOID Parameter, SIZE_T Size, BOOLEAN Wait, PVOID Context);

#ifndef STATUS_INVALID_PARAMETER_3
#define STATUS_INVALID_PARAMETER_3 ((NTSTATUS)0xC00000F1L)
#endif

typedef struct _EXPAND_PROBE {
    LONG Calls;
    ULONG_PTR Free;     /* stack bytes below the callout's frame */
    volatile UCHAR Sum; /* touches the expanded stack */
} EXPAND_PROBE, *PEXPAND_PROBE;

static VOID NTAPI ExpandCallout(PVOID Parameter)
{
    PEXPAND_PROBE probe = (PEXPAND_PROBE)Parameter;
    volatile UCHAR big[0x4000];
    ULONG_PTR low = 0, high = 0;
    ULONG i;
    for (i = 0; i < sizeof(big); i += 0x100) big[i] = (UCHAR)i;
    for (i = 0; i < sizeof(big); i += 0x100) probe->Sum = (UCHAR)(probe->Sum + big[i]);
    IoGetStackLimits(&low, &high);
    probe->Free = (ULONG_PTR)&low - low;
    probe->Calls++;
}

int TestExpandStack(void)
{
    int failures = 0;
    EXPAND_PROBE probe;

    RtlZeroMemory(&probe, sizeof(probe));
    CHECK(KeExpandKernelStackAndCallout(ExpandCallout, &probe, 0x8000) == STATUS_SUCCESS);
    CHECK(probe.Calls == 1);
    CHECK(probe.Free >= 0x8000 - 0x4000 - 0x400); /* the callout's own frame uses the rest */

    CHECK(KeExpandKernelStackAndCallout(ExpandCallout, &probe, MAXIMUM_EXPANSION_SIZE) == STATUS_SUCCESS);
    CHECK(probe.Calls == 2);
    CHECK(KeExpandKernelStackAndCallout(ExpandCallout, &probe, MAXIMUM_EXPANSION_SIZE + 1) == STATUS_INVALID_PARAMETER_3);
    CHECK(probe.Calls == 2);

    CHECK(KeExpandKernelStackAndCalloutEx(ExpandCallout, &probe, 0x3000, FALSE, NULL) == STATUS_SUCCESS);
    CHECK(probe.Calls == 3);
    CHECK(KeExpandKernelStackAndCalloutEx(ExpandCallout, &probe, (SIZE_T)-1, TRUE, NULL) == STATUS_INVALID_PARAMETER_3);
    CHECK(probe.Calls == 3);
    return failures;
}

/* A wild callout: the call jumps there and the emulation stops with a clean fault report. */
int WildExpandCallout(void)
{
    return KeExpandKernelStackAndCallout((PEXPAND_STACK_CALLOUT)(ULONG_PTR)0xFFFFA000DEAD1000ULL, NULL, 0x1000);
}

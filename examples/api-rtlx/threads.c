/*
 * Thread priorities, yielding, previous mode, processor groups and nodes.
 */
#include "apirtlx.h"

int TestThreads(void)
{
    int failures = 0;
    PKTHREAD me = KeGetCurrentThread();
    KPRIORITY old;
    GROUP_AFFINITY ga, prev;
    USHORT count = 0;

    old = KeSetPriorityThread(me, 12);
    CHECK(old == 8 && KeQueryPriorityThread(me) == 12);
    KeSetPriorityThread(me, old);
    CHECK(KeSetBasePriorityThread(me, 2) == 0);
    KeSetBasePriorityThread(me, 0);
    CHECK(ZwYieldExecution() == STATUS_NO_YIELD_PERFORMED); /* nothing else is ready */
    CHECK(ExGetPreviousMode() == KernelMode);
    CHECK(IoIsSystemThread(PsGetCurrentThread()) == TRUE);
    CHECK(KeQueryActiveGroupCount() == 1 && KeQueryMaximumGroupCount() == 1);
    CHECK(KeQueryGroupAffinity(0) == 1 && KeQueryGroupAffinity(1) == 0);
    CHECK(KeGetCurrentNodeNumber() == 0 && KeQueryNodeMaximumProcessorCount(0) == 1);
    KeQueryNodeActiveAffinity(0, &ga, &count);
    CHECK(ga.Mask == 1 && ga.Group == 0 && count == 1);
    RtlZeroMemory(&ga, sizeof(ga));
    ga.Mask = 1;
    KeSetSystemGroupAffinityThread(&ga, &prev);
    CHECK(prev.Mask == 1);
    KeRevertToUserGroupAffinityThread(&prev);
    return failures;
}

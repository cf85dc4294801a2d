/*
 * apitopo.sys — the processor topology (see sources). Each Test* export returns the number of
 * failed checks; the expected processor count is an argument (the test's machine file says it).
 * Record sizes and offsets are the compiler's (sizeof/offsetof over the headers), not kmdll's.
 * Microsoft Learn, KeQueryLogicalProcessorRelationship: ProcessorNumber NULL = all processors;
 * *Length in: the buffer's size, out: the size the information needs; too small →
 * STATUS_INFO_LENGTH_MISMATCH; a PROCESSOR_NUMBER with invalid information → STATUS_INVALID_PARAMETER.
 */
#include "apitopo.h"

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

#define REC_SIZE(member) (ULONG)(FIELD_OFFSET(SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX, Processor) + sizeof(member))
#define NEXT(p) ((PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX)((PUCHAR)(p) + (p)->Size))

PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX TopoQuery(PPROCESSOR_NUMBER pn, LOGICAL_PROCESSOR_RELATIONSHIP rel, ULONG *len, NTSTATUS *st)
{
    PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX buf;
    ULONG need = 0;
    *st = KeQueryLogicalProcessorRelationship(pn, rel, NULL, &need);
    if (*st != STATUS_INFO_LENGTH_MISMATCH || need == 0) return NULL;
    buf = (PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX)ExAllocatePoolWithTag(NonPagedPool, need, TOPO_TAG);
    if (!buf) return NULL;
    *len = need;
    *st = KeQueryLogicalProcessorRelationship(pn, rel, buf, len);
    if (*st != STATUS_SUCCESS || *len != need) {
        ExFreePoolWithTag(buf, TOPO_TAG);
        return NULL;
    }
    return buf;
}

static KAFFINITY AllMask(ULONG n)
{
    return n >= sizeof(KAFFINITY) * 8 ? (KAFFINITY)-1 : ((KAFFINITY)1 << n) - 1;
}

/* Every count agrees with the machine's `n` processors. */
__declspec(dllexport) ULONG TestCounts(ULONG n)
{
    ULONG failures = 0, i;
    KAFFINITY mask = 0;
    PROCESSOR_NUMBER pn;
    CHECK(KeQueryActiveProcessorCount(&mask) == n);
    CHECK(mask == AllMask(n));
    CHECK(KeQueryActiveProcessorCount(NULL) == n);
    CHECK(KeQueryActiveProcessorCountEx(0) == n);
    CHECK(KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS) == n);
    CHECK(KeQueryActiveProcessorCountEx(1) == 0);
    CHECK(KeQueryMaximumProcessorCount() == n);
    CHECK(KeQueryActiveProcessors() == AllMask(n));
    CHECK(KeQueryActiveGroupCount() == 1);
    CHECK(KeQueryGroupAffinity(0) == AllMask(n));
    CHECK((ULONG)(UCHAR)KeNumberProcessors == n);
    CHECK(SharedUserData->ActiveProcessorCount == n);
    CHECK(SharedUserData->ActiveGroupCount == 1);
    for (i = 0; i < n; i++) {
        RtlZeroMemory(&pn, sizeof(pn));
        CHECK(KeGetProcessorNumberFromIndex(i, &pn) == STATUS_SUCCESS);
        CHECK(pn.Group == 0 && pn.Number == i);
        CHECK(KeGetProcessorIndexFromNumber(&pn) == i);
    }
    CHECK(KeGetProcessorNumberFromIndex(n, &pn) == STATUS_INVALID_PARAMETER);
    return failures;
}

/* Per relationship: how many records, each Size, the masks. */
typedef struct {
    ULONG count[5];
    ULONG bytes;
    KAFFINITY cores, packages, caches;
    ULONG bad;
} TALLY;

static void Tally(PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX p, ULONG len, ULONG n, TALLY *t)
{
    PUCHAR end = (PUCHAR)p + len;
    RtlZeroMemory(t, sizeof(*t));
    while ((PUCHAR)p < end) {
        if (p->Size == 0 || (PUCHAR)p + p->Size > end || (ULONG)p->Relationship > RelationGroup) {
            t->bad++;
            return;
        }
        t->count[p->Relationship]++;
        t->bytes += p->Size;
        switch (p->Relationship) {
        case RelationProcessorCore:
        case RelationProcessorPackage:
            if (p->Size != REC_SIZE(PROCESSOR_RELATIONSHIP) || p->Processor.GroupCount != 1 || p->Processor.GroupMask[0].Group != 0) t->bad++;
            if (p->Processor.Flags != 0) t->bad++; /* one logical processor per core: no LTP_PC_SMT */
            /* one processor per record, each once */
            if ((p->Processor.GroupMask[0].Mask & (p->Processor.GroupMask[0].Mask - 1)) != 0) t->bad++;
            if (p->Relationship == RelationProcessorCore) {
                if (t->cores & p->Processor.GroupMask[0].Mask) t->bad++;
                t->cores |= p->Processor.GroupMask[0].Mask;
            } else {
                if (t->packages & p->Processor.GroupMask[0].Mask) t->bad++;
                t->packages |= p->Processor.GroupMask[0].Mask;
            }
            break;
        case RelationNumaNode:
            if (p->Size != REC_SIZE(NUMA_NODE_RELATIONSHIP) || p->NumaNode.NodeNumber != 0) t->bad++;
            if (p->NumaNode.GroupMask.Mask != AllMask(n) || p->NumaNode.GroupMask.Group != 0) t->bad++;
            break;
        case RelationCache:
            if (p->Size != REC_SIZE(CACHE_RELATIONSHIP)) t->bad++;
            if (p->Cache.Level < 1 || p->Cache.Level > 3 || p->Cache.LineSize != 64 || p->Cache.CacheSize == 0) t->bad++;
            if (p->Cache.Type != CacheUnified && p->Cache.Type != CacheInstruction && p->Cache.Type != CacheData) t->bad++;
            t->caches |= p->Cache.GroupMask.Mask;
            break;
        case RelationGroup:
            if (p->Size != REC_SIZE(GROUP_RELATIONSHIP)) t->bad++;
            if (p->Group.MaximumGroupCount != 1 || p->Group.ActiveGroupCount != 1) t->bad++;
            if (p->Group.GroupInfo[0].MaximumProcessorCount != n || p->Group.GroupInfo[0].ActiveProcessorCount != n) t->bad++;
            if (p->Group.GroupInfo[0].ActiveProcessorMask != AllMask(n)) t->bad++;
            break;
        default:
            break;
        }
        p = NEXT(p);
    }
}

/* RelationAll for every processor: the size protocol of the Remarks, then the records. */
__declspec(dllexport) ULONG TestRelationAll(ULONG n)
{
    ULONG failures = 0, need = 0, len;
    NTSTATUS st;
    TALLY t;
    PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX buf;
    CHECK(KeQueryLogicalProcessorRelationship(NULL, RelationAll, NULL, &need) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(need == n * (2 * REC_SIZE(PROCESSOR_RELATIONSHIP) + 3 * REC_SIZE(CACHE_RELATIONSHIP)) + REC_SIZE(NUMA_NODE_RELATIONSHIP) + REC_SIZE(GROUP_RELATIONSHIP));
    buf = (PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX)ExAllocatePoolWithTag(NonPagedPool, need, TOPO_TAG);
    if (!buf) return failures + 1;
    /* One byte short: still STATUS_INFO_LENGTH_MISMATCH, *Length the size needed. */
    len = need - 1;
    CHECK(KeQueryLogicalProcessorRelationship(NULL, RelationAll, buf, &len) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(len == need);
    /* A larger buffer: STATUS_SUCCESS, *Length the bytes written. */
    len = need;
    CHECK(KeQueryLogicalProcessorRelationship(NULL, RelationAll, buf, &len) == STATUS_SUCCESS);
    CHECK(len == need);
    Tally(buf, len, n, &t);
    CHECK(t.bad == 0);
    CHECK(t.bytes == need);
    CHECK(t.count[RelationProcessorCore] == n && t.cores == AllMask(n));
    CHECK(t.count[RelationProcessorPackage] == n && t.packages == AllMask(n));
    CHECK(t.count[RelationNumaNode] == 1);
    CHECK(t.count[RelationGroup] == 1);
    CHECK(t.count[RelationCache] == 3 * n && t.caches == AllMask(n));
    ExFreePoolWithTag(buf, TOPO_TAG);
    /* The queries the thermal monitors make: RelationProcessorCore, count = length / record size. */
    buf = TopoQuery(NULL, RelationProcessorCore, &len, &st);
    CHECK(buf != NULL);
    if (buf) {
        CHECK(len / REC_SIZE(PROCESSOR_RELATIONSHIP) == n);
        ExFreePoolWithTag(buf, TOPO_TAG);
    }
    return failures;
}

/* Each relationship alone returns only its records; together they are RelationAll. */
__declspec(dllexport) ULONG TestRelationEach(ULONG n)
{
    ULONG failures = 0, len, total = 0, all = 0, r;
    static const ULONG expect[5] = { 1, 0, 3, 1, 0 }; /* per processor; the node and the group: one each */
    NTSTATUS st;
    TALLY t;
    PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX buf;
    for (r = RelationProcessorCore; r <= RelationGroup; r++) {
        buf = TopoQuery(NULL, (LOGICAL_PROCESSOR_RELATIONSHIP)r, &len, &st);
        CHECK(buf != NULL);
        if (!buf) continue;
        Tally(buf, len, n, &t);
        CHECK(t.bad == 0);
        CHECK(t.count[r] == (expect[r] ? expect[r] * n : 1));
        CHECK(t.count[0] + t.count[1] + t.count[2] + t.count[3] + t.count[4] == t.count[r]);
        total += len;
        ExFreePoolWithTag(buf, TOPO_TAG);
    }
    CHECK(KeQueryLogicalProcessorRelationship(NULL, RelationAll, NULL, &all) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(all == total);
    return failures;
}

/* One processor: only the records that include it. */
__declspec(dllexport) ULONG TestProcessorNumber(ULONG n)
{
    ULONG failures = 0, len;
    NTSTATUS st;
    TALLY t;
    PROCESSOR_NUMBER pn;
    PSYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX buf;
    KAFFINITY last = (KAFFINITY)1 << (n - 1);
    RtlZeroMemory(&pn, sizeof(pn));
    pn.Number = (UCHAR)(n - 1);
    buf = TopoQuery(&pn, RelationAll, &len, &st);
    CHECK(buf != NULL);
    if (buf) {
        Tally(buf, len, n, &t);
        CHECK(t.bad == 0);
        CHECK(t.count[RelationProcessorCore] == 1 && t.cores == last);
        CHECK(t.count[RelationProcessorPackage] == 1 && t.packages == last);
        CHECK(t.count[RelationCache] == 3 && t.caches == last);
        CHECK(t.count[RelationNumaNode] == 1 && t.count[RelationGroup] == 1);
        ExFreePoolWithTag(buf, TOPO_TAG);
    }
    return failures;
}

/* Invalid arguments: a processor or group that does not exist, unknown relationships. */
__declspec(dllexport) ULONG TestInvalid(ULONG n)
{
    ULONG failures = 0, len;
    PROCESSOR_NUMBER pn;
    RtlZeroMemory(&pn, sizeof(pn));
    pn.Number = (UCHAR)n;
    len = 0;
    CHECK(KeQueryLogicalProcessorRelationship(&pn, RelationAll, NULL, &len) == STATUS_INVALID_PARAMETER);
    pn.Number = 0;
    pn.Group = 1;
    CHECK(KeQueryLogicalProcessorRelationship(&pn, RelationProcessorCore, NULL, &len) == STATUS_INVALID_PARAMETER);
    /* Windows 10 2004 knows RelationProcessorCore..RelationGroup and RelationAll (wdm.h). */
    CHECK(KeQueryLogicalProcessorRelationship(NULL, (LOGICAL_PROCESSOR_RELATIONSHIP)5, NULL, &len) == STATUS_INVALID_PARAMETER);
    CHECK(KeQueryLogicalProcessorRelationship(NULL, (LOGICAL_PROCESSOR_RELATIONSHIP)7, NULL, &len) == STATUS_INVALID_PARAMETER);
    CHECK(KeQueryLogicalProcessorRelationship(NULL, (LOGICAL_PROCESSOR_RELATIONSHIP)0x1234, NULL, &len) == STATUS_INVALID_PARAMETER);
    pn.Group = 1;
    CHECK(KeGetProcessorIndexFromNumber(&pn) == INVALID_PROCESSOR_INDEX);
    return failures;
}

/* A wild Length pointer: Windows faults on it (a bug check in a driver); kmdll reports a fault. */
__declspec(dllexport) ULONG TestWildLength(ULONG_PTR length)
{
    return (ULONG)KeQueryLogicalProcessorRelationship(NULL, RelationAll, NULL, (PULONG)length);
}

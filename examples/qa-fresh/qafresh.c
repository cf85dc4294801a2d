/*
 * qafresh.sys — lessons from a held-out set of real drivers, each on our own code:
 *   - a legacy port I/O driver (MyPortIO-style) claims its ports with IoReportResourceUsage
 *     before it touches them (ntddk.h): *ConflictDetected is FALSE for a free range; a second
 *     driver object claiming an overlapping range gets STATUS_CONFLICTING_ADDRESSES with
 *     *ConflictDetected TRUE unless it passes OverrideConflict; NULL lists release the claim;
 *     ConflictDetected NULL or DriverObject NULL is STATUS_INVALID_PARAMETER. Once claimed, the
 *     driver's own port accesses are inside its resources (no verifier port warning).
 * CM_RESOURCE_LIST / CM_PARTIAL_RESOURCE_DESCRIPTOR: wdm.h (#pragma pack(4)).
 */
#include <ntddk.h>
#include "../include/apitest.h"

#define QF_TAG 'erFQ'
/* A port range nothing else in the default machine uses (docs/machine.md). */
#define QF_PORT 0x2e0
#define QF_PORT_LEN 8

static PDRIVER_OBJECT g_Driver;

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Driver = DriverObject;
    DriverObject->DriverUnload = Unload;
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

/* One CM_RESOURCE_LIST with one port descriptor. */
static void PortList(PCM_RESOURCE_LIST list, ULONG port, ULONG length)
{
    PCM_PARTIAL_RESOURCE_DESCRIPTOR d;
    RtlZeroMemory(list, sizeof(CM_RESOURCE_LIST));
    list->Count = 1;
    list->List[0].InterfaceType = Isa;
    list->List[0].BusNumber = 0;
    list->List[0].PartialResourceList.Version = 1;
    list->List[0].PartialResourceList.Revision = 1;
    list->List[0].PartialResourceList.Count = 1;
    d = &list->List[0].PartialResourceList.PartialDescriptors[0];
    d->Type = CmResourceTypePort;
    d->ShareDisposition = CmResourceShareDriverExclusive;
    d->Flags = CM_RESOURCE_PORT_IO;
    d->u.Port.Start.QuadPart = port;
    d->u.Port.Length = length;
}

int TestReportResourceUsage(void)
{
    int failures = 0;
    CM_RESOURCE_LIST mine, other;
    BOOLEAN conflict = TRUE;
    UNICODE_STRING cls;
    DRIVER_OBJECT fake;
    RtlInitUnicodeString(&cls, L"QaFresh");
    PortList(&mine, QF_PORT, QF_PORT_LEN);
    /* Invalid: no ConflictDetected, no driver object. */
    CHECK(IoReportResourceUsage(&cls, g_Driver, &mine, sizeof(mine), NULL, NULL, 0, FALSE, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(IoReportResourceUsage(&cls, NULL, &mine, sizeof(mine), NULL, NULL, 0, FALSE, &conflict) == STATUS_INVALID_PARAMETER);
    /* A free range: claimed, no conflict. */
    conflict = TRUE;
    CHECK(IoReportResourceUsage(&cls, g_Driver, &mine, sizeof(mine), NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS);
    CHECK(conflict == FALSE);
    /* Claiming again replaces the driver's own claim: no conflict with itself. */
    CHECK(IoReportResourceUsage(NULL, g_Driver, &mine, sizeof(mine), NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    /* The ports are the driver's now: its own accesses are inside its resources. */
    WRITE_PORT_UCHAR((PUCHAR)(ULONG_PTR)QF_PORT, 0x5a);
    (void)READ_PORT_UCHAR((PUCHAR)(ULONG_PTR)(QF_PORT + 1));
    /* Another driver object overlapping the range: refused, unless it overrides. */
    RtlZeroMemory(&fake, sizeof(fake));
    fake.Type = IO_TYPE_DRIVER;
    fake.Size = sizeof(fake);
    PortList(&other, QF_PORT + 4, 2);
    conflict = FALSE;
    CHECK(IoReportResourceUsage(&cls, &fake, &other, sizeof(other), NULL, NULL, 0, FALSE, &conflict) == STATUS_CONFLICTING_ADDRESSES);
    CHECK(conflict == TRUE);
    conflict = FALSE;
    CHECK(IoReportResourceUsage(&cls, &fake, &other, sizeof(other), NULL, NULL, 0, TRUE, &conflict) == STATUS_SUCCESS);
    CHECK(conflict == TRUE);
    /* A range next to ours does not overlap. */
    PortList(&other, QF_PORT + QF_PORT_LEN, 2);
    CHECK(IoReportResourceUsage(&cls, &fake, &other, sizeof(other), NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    /* NULL lists release the claims. */
    CHECK(IoReportResourceUsage(&cls, &fake, NULL, 0, NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    CHECK(IoReportResourceUsage(&cls, g_Driver, NULL, 0, NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    return failures;
}

/* A port access with no claim at all: the verifier's port rule warns (the driver has no port resources). */
int PortsWithoutClaim(void)
{
    WRITE_PORT_UCHAR((PUCHAR)(ULONG_PTR)(QF_PORT + 2), 0x11);
    return 0;
}

/*
 * ndis5mini.sys — an NDIS 5.1 miniport skeleton. DriverEntry checks the NDIS 5 routines a legacy
 * LAN miniport calls there, then registers; NDIS's DriverUnload calls the unload handler.
 */
#include "ndis5mini.h"

DRIVER_INITIALIZE DriverEntry;

static NDIS_RW_LOCK Lock;

static VOID MiniUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("ndis5mini: unload\n");
}

/* Handlers NDIS would call for an adapter (never, on kmdll's machine). */
static VOID MiniHalt(PVOID Context) { UNREFERENCED_PARAMETER(Context); }

static void Fill(NDIS_MINIPORT_CHARACTERISTICS *c, UCHAR major, UCHAR minor)
{
    RtlZeroMemory(c, sizeof(*c));
    c->MajorNdisVersion = major;
    c->MinorNdisVersion = minor;
    c->HaltHandler = (PVOID)MiniHalt;
    c->InitializeHandler = (PVOID)MiniHalt;
    c->QueryInformationHandler = (PVOID)MiniHalt;
    c->SetInformationHandler = (PVOID)MiniHalt;
    c->ResetHandler = (PVOID)MiniHalt;
    c->SendPacketsHandler = (PVOID)MiniHalt;
}

static ULONG CheckHelpers(void)
{
    ULONG failures = 0;
    UNICODE_STRING name;
    PVOID p = (PVOID)(ULONG_PTR)1;
    ULONG i;
    PUCHAR bytes = (PUCHAR)&Lock;

    /* NdisInitializeReadWriteLock zeroes the whole NDIS_RW_LOCK (the compiler's sizeof). */
    RtlFillMemory(&Lock, sizeof(Lock), 0xCC);
    NdisInitializeReadWriteLock(&Lock);
    for (i = 0; i < sizeof(Lock); i++) CHECK(bytes[i] == 0);
    DbgPrint("ndis5mini: rwlock %u\n", (ULONG)sizeof(Lock));

    /* An exported NDIS routine is found (the address the import table holds); an unknown one is NULL. */
    RtlInitUnicodeString(&name, L"NdisGetVersion");
    CHECK(NdisGetRoutineAddress(&name) == (PVOID)NdisGetVersion);
    RtlInitUnicodeString(&name, L"NdisNoSuchRoutine");
    CHECK(NdisGetRoutineAddress(&name) == NULL);
    /* An ntoskrnl routine is not an NDIS one. */
    RtlInitUnicodeString(&name, L"KeBugCheckEx");
    CHECK(NdisGetRoutineAddress(&name) == NULL);

    CHECK(NdisAllocateMemoryWithTag(&p, 64, '5sdN') == NDIS_STATUS_SUCCESS);
    CHECK(p != NULL);
    if (p != NULL) {
        RtlFillMemory(p, 64, 0x5A);
        NdisFreeMemory(p, 64, 0);
    }
    return failures;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG failures = CheckHelpers();
    NDIS_HANDLE wrapper = NULL, other = NULL;
    NDIS_MINIPORT_CHARACTERISTICS c;

    /* A wrapper a failing DriverEntry would terminate: made and released. */
    NdisMInitializeWrapper(&other, DriverObject, RegistryPath, NULL);
    CHECK(other != NULL);
    if (other != NULL) NdisTerminateWrapper(other, NULL);

    NdisMInitializeWrapper(&wrapper, DriverObject, RegistryPath, NULL);
    CHECK(wrapper != NULL);
    if (wrapper == NULL) return STATUS_UNSUCCESSFUL;

    /* Versions NDIS does not support for miniports, and characteristics shorter than the version's. */
    Fill(&c, 6, 0);
    CHECK(NdisMRegisterMiniport(wrapper, &c, sizeof(c)) == NDIS_STATUS_BAD_VERSION);
    Fill(&c, 5, 2);
    CHECK(NdisMRegisterMiniport(wrapper, &c, sizeof(c)) == NDIS_STATUS_BAD_VERSION);
    Fill(&c, 5, 1);
    CHECK(NdisMRegisterMiniport(wrapper, &c, sizeof(c) - 1) == NDIS_STATUS_BAD_CHARACTERISTICS);
    Fill(&c, 4, 0);
    CHECK(NdisMRegisterMiniport(wrapper, &c, NDIS40_CHARACTERISTICS_SIZE - 1) == NDIS_STATUS_BAD_CHARACTERISTICS);
    /* Rejected registrations left the driver object alone. */
    CHECK(DriverObject->DriverUnload == NULL);

    Fill(&c, 5, 1);
    CHECK(NdisMRegisterMiniport(wrapper, &c, sizeof(c)) == NDIS_STATUS_SUCCESS);
    CHECK(DriverObject->DriverUnload != NULL);
    CHECK(DriverObject->DriverExtension->AddDevice != NULL);
    NdisMRegisterUnloadHandler(wrapper, MiniUnload);

    if (failures != 0) {
        DbgPrint("ndis5mini: %lu check(s) failed\n", failures);
        NdisTerminateWrapper(wrapper, NULL);
        return STATUS_UNSUCCESSFUL;
    }
    DbgPrint("ndis5mini: all checks passed\n");
    return STATUS_SUCCESS;
}

/*
 * triage*.sys — one small driver per outcome class of `kmdll triage` (docs/triage.md), built from
 * this one file with a TRIAGE_* define per folder (examples/triage/dirs). Each behaves in
 * DriverEntry / DriverUnload the way real drivers of that class do:
 *
 *   TRIAGE_PASS       sets DriverUnload, allocates pool and frees it at unload: pass.
 *   TRIAGE_DECLINED   opens a registry key the system does not have and returns the status
 *                     (STATUS_OBJECT_NAME_NOT_FOUND): driver-declined, naming ZwOpenKey.
 *   TRIAGE_FAULT      reads through a NULL structure pointer in DriverEntry: driver-fault.
 *   TRIAGE_LEAK       keeps a pool block past DriverUnload: driver-fault (leak at unload).
 *   TRIAGE_UNIMPL     calls ZwSetEaFile, a real ntoskrnl export kmdll does not implement
 *                     (extended attributes are not modelled; if kmdll ever implements it, pick
 *                     another): kmdll-gap.
 *   TRIAGE_HANG       spins forever in DriverEntry: kmdll-gap (time budget).
 *   TRIAGE_NDIS5      an NDIS 5.1 miniport's registration, refused on Windows 8 and later
 *                     (Microsoft Learn, "NDIS 6.30 Backward Compatibility"): windows-refuses.
 *   TRIAGE_NDIS5RETRY with TRIAGE_NDIS5: retries the refused registration with a lower
 *                     MinorNdisVersion until NDIS accepts one, as Broadcom's bcmwl5.sys /
 *                     bcmwl564.sys do (DriverPack set fresh4): on Windows 8 and later none is
 *                     accepted and DriverEntry never returns; windows-refuses, not the time
 *                     budget's kmdll-gap.
 *   TRIAGE_INTEGRITY  PsSetCreateProcessNotifyRoutineEx from an image not linked with
 *                     /INTEGRITYCHECK: STATUS_ACCESS_DENIED (Microsoft Learn,
 *                     PsSetCreateProcessNotifyRoutineEx), windows-refuses.
 *   TRIAGE_NOUNLOAD   starts and sets no DriverUnload: the stop is refused, windows-refuses.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
static PVOID g_block;
/* Volatile so that the compiler keeps the NULL read and the endless loop as they are written. */
static volatile ULONG_PTR g_zero;
static volatile LONG g_spin = 1;

static VOID TriageUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
#ifndef TRIAGE_LEAK
    if (g_block) ExFreePoolWithTag(g_block, 'girT');
#endif
    DbgPrint("triage: DriverUnload\n");
}

#ifdef TRIAGE_UNIMPL
/* Declared as ntifs.h declares it (ntddk.h does not). */
NTSYSAPI NTSTATUS NTAPI ZwSetEaFile(HANDLE FileHandle, PIO_STATUS_BLOCK IoStatusBlock, PVOID Buffer, ULONG Length);
#endif

#ifdef TRIAGE_NDIS5
/* ndis.h (NDIS 5.1): NdisMInitializeWrapper is a macro for NdisInitializeWrapper. */
typedef PVOID NDIS_HANDLE;
__declspec(dllimport) VOID NTAPI NdisInitializeWrapper(NDIS_HANDLE *NdisWrapperHandle, PVOID SystemSpecific1, PVOID SystemSpecific2, PVOID SystemSpecific3);
__declspec(dllimport) LONG NTAPI NdisMRegisterMiniport(NDIS_HANDLE NdisWrapperHandle, PVOID MiniportCharacteristics, ULONG CharacteristicsLength);
__declspec(dllimport) VOID NTAPI NdisTerminateWrapper(NDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific);
#endif

#ifdef TRIAGE_INTEGRITY
static VOID ProcessNotify(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    UNREFERENCED_PARAMETER(Process);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(CreateInfo);
}
#endif

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
#ifndef TRIAGE_NOUNLOAD
    DriverObject->DriverUnload = TriageUnload;
#endif
    g_block = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'girT');
    if (!g_block) return STATUS_INSUFFICIENT_RESOURCES;
#ifdef TRIAGE_DECLINED
    {
        UNICODE_STRING name;
        OBJECT_ATTRIBUTES oa;
        HANDLE key;
        NTSTATUS status;
        RtlInitUnicodeString(&name, L"\\Registry\\Machine\\SOFTWARE\\KmdllTriageVendor\\Settings");
        InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
        status = ZwOpenKey(&key, KEY_READ, &oa);
        if (!NT_SUCCESS(status)) {
            ExFreePoolWithTag(g_block, 'girT');
            return status;
        }
        ZwClose(key);
    }
#endif
#ifdef TRIAGE_FAULT
    {
        /* A device extension the driver never got: field at offset 0x30 of a NULL pointer. */
        volatile ULONG *field = (volatile ULONG *)(g_zero + 0x30);
        if (*field == 0x1234) return STATUS_UNSUCCESSFUL;
    }
#endif
#ifdef TRIAGE_UNIMPL
    {
        IO_STATUS_BLOCK iosb;
        if (ZwSetEaFile(NULL, &iosb, NULL, 0) == STATUS_SUCCESS) DbgPrint("triage: ZwSetEaFile succeeded\n");
    }
#endif
#ifdef TRIAGE_HANG
    while (g_spin) {
    }
#endif
#ifdef TRIAGE_NDIS5
    {
        NDIS_HANDLE wrapper = NULL;
        UCHAR characteristics[0x100] = {5, 1}; /* MajorNdisVersion 5, MinorNdisVersion 1 */
        LONG status;
        NdisInitializeWrapper(&wrapper, DriverObject, RegistryPath, NULL);
        if (!wrapper) {
            ExFreePoolWithTag(g_block, 'girT');
            return STATUS_UNSUCCESSFUL;
        }
        status = NdisMRegisterMiniport(wrapper, characteristics, sizeof(characteristics));
#ifdef TRIAGE_NDIS5RETRY
        /* Try every older minor version (a UCHAR: it wraps from 0 to 255) until one is taken. */
        while (status != 0) {
            characteristics[1]--;
            status = NdisMRegisterMiniport(wrapper, characteristics, sizeof(characteristics));
        }
#endif
        if (status != 0) {
            /* A legacy miniport gives up as NdisMRegisterMiniport's documentation says: terminate, fail. */
            NdisTerminateWrapper(wrapper, NULL);
            ExFreePoolWithTag(g_block, 'girT');
            return status;
        }
    }
#endif
#ifdef TRIAGE_INTEGRITY
    {
        NTSTATUS status = PsSetCreateProcessNotifyRoutineEx(ProcessNotify, FALSE);
        if (!NT_SUCCESS(status)) {
            ExFreePoolWithTag(g_block, 'girT');
            return status;
        }
        PsSetCreateProcessNotifyRoutineEx(ProcessNotify, TRUE);
    }
#endif
    DbgPrint("triage: DriverEntry done\n");
    return STATUS_SUCCESS;
}

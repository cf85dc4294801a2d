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
 *   TRIAGE_HANG       spins forever in DriverEntry, calling KeStallExecutionProcessor each
 *                     time round: with a kernel call in the loop kmdll cannot tell whether
 *                     what it waits for would come on Windows: kmdll-gap (time budget).
 *   TRIAGE_LOOP       walks the loaded-module list from its DriverSection until a Flink is NULL,
 *                     looking for a module that is not there — the list is circular, so the walk
 *                     never ends (KmWpsMs.sys's bug): its own endless loop, no kernel call, the
 *                     state coming back every pass round the list: driver-fault.
 *   TRIAGE_KUSER      waits in DriverEntry for KUSER_SHARED_DATA's tick count to move on, reading
 *                     it directly (as x64's KeQueryTickCount macro does): on Windows the clock
 *                     interrupt moves it; kmdll's clock moves only on kernel calls: kmdll-gap.
 *   TRIAGE_COMPUTE    runs a xorshift generator in DriverEntry until it yields 0 (it never does,
 *                     but its state goes through 2^64-1 values before it repeats): its own code,
 *                     no kernel call, yet nothing kmdll can prove endless: kmdll-gap (time budget).
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
 *   TRIAGE_LIMIT      asks ZwQuerySystemInformation for the module list's size (a size probe,
 *                     STATUS_INFO_LENGTH_MISMATCH), reads the list, finds win32kfull.sys and
 *                     one of its routines, and gives up (STATUS_NOT_FOUND) when the routine's
 *                     first bytes are not the code it expects — what drivers that scan Windows'
 *                     own code do; kmdll's system modules carry export thunks only: kmdll-gap,
 *                     and the answered size probe is not named as the reason.
 *   TRIAGE_SCAN       finds ntoskrnl.exe in the module list, walks its sections with
 *                     RtlImageNtHeader and scans .text for a byte pattern (a `lea rcx, [variable]`,
 *                     as drivers hunting an unexported kernel variable do; kmdll's .text has no
 *                     such instruction — its one piece of real-shaped code is KiSystemCall64,
 *                     whose `lea r10, [KeServiceDescriptorTable]` it does find); it does not check what
 *                     it found, and DriverUnload writes through the NULL it kept — GGProtect64.sys's
 *                     pattern. On Windows the scan succeeds: kmdll-gap.
 */
#include <ntddk.h>
#ifdef TRIAGE_SCAN
#include <ntimage.h>
#endif

DRIVER_INITIALIZE DriverEntry;
static PVOID g_block;
/* Volatile so that the compiler keeps the NULL read and the endless loop as they are written. */
static volatile ULONG_PTR g_zero;
static volatile LONG g_spin = 1;
#ifdef TRIAGE_COMPUTE
static volatile ULONG64 g_last;
#endif
#ifdef TRIAGE_SCAN
/* What the scan of ntoskrnl's code found (TRIAGE_SCAN). */
static volatile LONG *g_table;
#endif

static VOID TriageUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
#ifndef TRIAGE_LEAK
    if (g_block) ExFreePoolWithTag(g_block, 'girT');
#endif
#ifdef TRIAGE_SCAN
    *g_table = 1; /* never checked: NULL when the scan found nothing */
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

#if defined(TRIAGE_LIMIT) || defined(TRIAGE_SCAN)
/* ZwQuerySystemInformation's SystemModuleInformation (class 11) layout, as documented by
 * Geoff Chappell ("RTL_PROCESS_MODULES") and ReactOS's ndk/ldrtypes.h. */
typedef struct _TRIAGE_MODULE {
    HANDLE Section;
    PVOID MappedBase, ImageBase;
    ULONG ImageSize, Flags;
    USHORT LoadOrderIndex, InitOrderIndex, LoadCount, OffsetToFileName;
    UCHAR FullPathName[256];
} TRIAGE_MODULE;
typedef struct _TRIAGE_MODULES {
    ULONG NumberOfModules;
    TRIAGE_MODULE Modules[1];
} TRIAGE_MODULES;
NTSYSAPI NTSTATUS NTAPI ZwQuerySystemInformation(ULONG SystemInformationClass, PVOID SystemInformation, ULONG Length, PULONG ReturnLength);
NTSYSAPI PVOID NTAPI RtlFindExportedRoutineByName(PVOID ImageBase, PCCH RoutineName);
NTSYSAPI PIMAGE_NT_HEADERS NTAPI RtlImageNtHeader(PVOID Base);

/* The load address of a module by file name, from the module list (size probe, then the list). */
static PVOID ModuleBase(const char *Name)
{
    ULONG size = 0, i;
    TRIAGE_MODULES *list;
    PVOID base = NULL;
    NTSTATUS status = ZwQuerySystemInformation(11, NULL, 0, &size);
    if (status != STATUS_INFO_LENGTH_MISMATCH || size == 0) return NULL;
    list = (TRIAGE_MODULES *)ExAllocatePoolWithTag(NonPagedPoolNx, size, 'lirT');
    if (!list) return NULL;
    status = ZwQuerySystemInformation(11, list, size, &size);
    if (NT_SUCCESS(status)) {
        for (i = 0; i < list->NumberOfModules; i++) {
            TRIAGE_MODULE *m = &list->Modules[i];
            if (_stricmp((const char *)m->FullPathName + m->OffsetToFileName, Name) == 0) base = m->ImageBase;
        }
    }
    ExFreePoolWithTag(list, 'lirT');
    return base;
}
#endif

#ifdef TRIAGE_LOOP
/* The start of KLDR_DATA_TABLE_ENTRY (ReactOS's LDR_DATA_TABLE_ENTRY for kernel modules): DllBase at 0x30 (x64) / 0x18 (x86). */
typedef struct _TRIAGE_LDR_ENTRY {
    LIST_ENTRY InLoadOrderLinks;
    PVOID ExceptionTable;
    ULONG ExceptionTableSize;
    PVOID GpValue;
    PVOID NonPagedDebugInfo;
    PVOID DllBase;
} TRIAGE_LDR_ENTRY;

/* The entry of the module loaded at `base`. The walk stops at a NULL Flink — as if the list ended;
   PsLoadedModuleList is circular, so for a base not in it the walk never ends. */
static TRIAGE_LDR_ENTRY *FindModule(PLIST_ENTRY start, PVOID base)
{
    PLIST_ENTRY e;
    for (e = start->Flink; e != NULL; e = e->Flink)
        if (((TRIAGE_LDR_ENTRY *)e)->DllBase == base) return (TRIAGE_LDR_ENTRY *)e;
    return NULL;
}
#endif

#ifdef TRIAGE_SCAN
/* `lea rcx, [rip+disp32]` (48 8d 0d) in ntoskrnl's .text: the address it loads, or NULL. */
static volatile LONG *ScanText(PUCHAR Base)
{
    PIMAGE_NT_HEADERS nt = RtlImageNtHeader(Base);
    PIMAGE_SECTION_HEADER s;
    ULONG i, j;
    if (!nt) return NULL;
    s = IMAGE_FIRST_SECTION(nt);
    for (i = 0; i < nt->FileHeader.NumberOfSections; i++, s++) {
        if (RtlCompareMemory(s->Name, ".text", 5) != 5) continue;
        for (j = 0; j + 7 <= s->Misc.VirtualSize; j++) {
            PUCHAR p = Base + s->VirtualAddress + j;
            if (p[0] == 0x48 && p[1] == 0x8d && p[2] == 0x0d) return (volatile LONG *)(p + 7 + *(LONG UNALIGNED *)(p + 3));
        }
    }
    return NULL;
}
#endif

#ifdef TRIAGE_LIMIT
static NTSTATUS FindCodePattern(void)
{
    PVOID base = ModuleBase("win32kfull.sys");
    const UCHAR *code;
    if (!base) return STATUS_NOT_FOUND;
    code = (const UCHAR *)RtlFindExportedRoutineByName(base, "NtUserSetWindowDisplayAffinity");
    /* The routine's prologue, then a call to the internal routine the driver wants: 48 89 5c 24. */
    if (!code || code[0] != 0x48 || code[1] != 0x89) return STATUS_NOT_FOUND;
    return STATUS_SUCCESS;
}
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
        KeStallExecutionProcessor(1);
    }
#endif
#ifdef TRIAGE_KUSER
    {
        /* KUSER_SHARED_DATA.TickCount (+0x320; ntddk.h's KeQueryTickCount reads it on x64). */
        volatile ULONG *tick = (volatile ULONG *)((ULONG_PTR)KI_USER_SHARED_DATA + 0x320);
        ULONG start = *tick;
        while (*tick - start < 1000) {
        }
    }
#endif
#ifdef TRIAGE_COMPUTE
    {
        ULONG64 x = (ULONG64)g_spin;
        do {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            g_last = x; /* a side effect: the compiler may not drop the loop */
        } while (x != 0);
        if (x == 0) g_spin = 0;
    }
#endif
#ifdef TRIAGE_LOOP
    if (FindModule((PLIST_ENTRY)DriverObject->DriverSection, (PVOID)(ULONG_PTR)g_spin) != NULL) DbgPrint("triage: found\n");
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
#ifdef TRIAGE_SCAN
    {
        PVOID nt = ModuleBase("ntoskrnl.exe");
        if (nt) g_table = ScanText((PUCHAR)nt);
    }
#endif
#ifdef TRIAGE_LIMIT
    {
        NTSTATUS status = FindCodePattern();
        if (!NT_SUCCESS(status)) {
            ExFreePoolWithTag(g_block, 'girT');
            return status;
        }
    }
#endif
    DbgPrint("triage: DriverEntry done\n");
    return STATUS_SUCCESS;
}

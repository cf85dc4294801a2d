/*
 * qalstar.sys — the x64 system-call path as SSDT hookers use it (shared by main.c, find.c, hook.c).
 *
 * KeServiceDescriptorTable is not exported on x64: drivers read IA32_LSTAR (KiSystemCall64) and
 * search its code for KiSystemServiceRepeat's `lea r10, [rip+KeServiceDescriptorTable]`
 * (4C 8D 15 rel32) followed by `lea r11, [rip+KeServiceDescriptorTableShadow]` (4C 8D 1D rel32).
 * A descriptor is { ServiceTableBase, ServiceCounterTableBase, NumberOfServices, ParamTableBase }
 * (ReactOS ndk KSERVICE_TABLE_DESCRIPTOR, 0x20 bytes on x64); ServiceTableBase holds one LONG per
 * service: (routine - ServiceTableBase) << 4 | the number of stack arguments.
 * Service numbers: Windows 10 22H2 x64 (j00ru.vexillium.org/syscalls/nt/64/): NtClose 0x0F,
 * NtOpenKey 0x12, NtCreateFile 0x55 (11 arguments, 7 on the stack), 0x1D9 services.
 */
#pragma once
#include <ntddk.h>
#include "../include/apitest.h"

#define IA32_LSTAR 0xC0000082
#define SVC_NTCLOSE 0x0F
#define SVC_NTOPENKEY 0x12
#define SVC_NTCREATEFILE 0x55
#define SVC_COUNT_19045 0x1D9

typedef struct _SERVICE_DESCRIPTOR_TABLE {
    PLONG ServiceTableBase;
    PULONG ServiceCounterTableBase;
    ULONG64 NumberOfServices;
    PUCHAR ParamTableBase;
} SERVICE_DESCRIPTOR_TABLE, *PSERVICE_DESCRIPTOR_TABLE;

typedef struct _SERVICE_TABLES {
    PUCHAR KiSystemCall64;
    PUCHAR LeaR10; /* KiSystemServiceRepeat */
    PSERVICE_DESCRIPTOR_TABLE Table;
    PSERVICE_DESCRIPTOR_TABLE Shadow;
} SERVICE_TABLES, *PSERVICE_TABLES;

/* find.c */
BOOLEAN FindServiceTables(PSERVICE_TABLES Tables);
PVOID ServiceRoutine(PSERVICE_DESCRIPTOR_TABLE Table, ULONG Number);
ULONG StackArguments(PSERVICE_DESCRIPTOR_TABLE Table, ULONG Number);

/* hook.c */
typedef NTSTATUS (NTAPI *NTOPENKEY)(PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES);
extern NTOPENKEY OriginalNtOpenKey;
extern LONG HookCalls;
extern BOOLEAN HookDenies;
BOOLEAN HookNtOpenKey(PSERVICE_DESCRIPTOR_TABLE Table);
BOOLEAN UnhookNtOpenKey(PSERVICE_DESCRIPTOR_TABLE Table);

/*
 * lowmem.sys - shared declarations. ProbeLowMemory maps the first MiB and reports, one DbgPrint
 * line each, what a BIOS PC has there; it returns the number of inconsistencies it found (a
 * vector pointing outside the first MiB, an EBDA that does not start where the base memory ends).
 */
#pragma once
#include <ntddk.h>

#define LOW_MIB 0x100000

/* A real-mode far pointer as the IVT stores it: offset first (x86.h style of WinVBlock). */
#pragma pack(push, 1)
typedef struct _SEG_OFF {
    USHORT Offset;
    USHORT Segment;
} SEG_OFF, *PSEG_OFF;

/* The "safe INT 13h hook" header boot loaders (MEMDISK, GRUB4DOS) put at their handler. */
typedef struct _SAFE_HOOK {
    UCHAR Jump[3];
    UCHAR Signature[8];     /* "$INT13SF" */
    UCHAR VendorId[8];      /* "MEMDISK " ... */
    SEG_OFF PrevHook;
    ULONG Flags;
} SAFE_HOOK, *PSAFE_HOOK;
#pragma pack(pop)

#define SEG_OFF_LINEAR(p) ((((ULONG)(p)->Segment) << 4) + (p)->Offset)

/* bios.c */
ULONG LowMemBiosData(const UCHAR *Low);
ULONG LowMemOptionRoms(const UCHAR *Low);
VOID LowMemSystemBios(const UCHAR *Low);

/* hook.c */
ULONG LowMemWalkInt13(const UCHAR *Low);

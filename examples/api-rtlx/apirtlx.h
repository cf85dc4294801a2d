/*
 * apirtlx.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; the others misuse a routine on purpose.
 */
#pragma once
#include <ntifs.h>
#include <ntimage.h>
#include "../include/apitest.h"

#define RTLX_TAG 'xtRA' /* "ARtx" */

NTKERNELAPI PVOID NTAPI RtlFindExportedRoutineByName(PVOID ImageBase, PCSTR RoutineName);
NTSYSAPI ULONG NTAPI RtlComputeCrc32(ULONG PartialCrc, PVOID Buffer, ULONG Length);

/* wdm.h / ntifs.h of the WDK (Microsoft Learn); missing from mingw-w64 10's headers. */
typedef volatile LONG EX_SPIN_LOCK, *PEX_SPIN_LOCK;
NTKERNELAPI KIRQL NTAPI ExAcquireSpinLockExclusive(PEX_SPIN_LOCK SpinLock);
NTKERNELAPI VOID NTAPI ExAcquireSpinLockExclusiveAtDpcLevel(PEX_SPIN_LOCK SpinLock);
NTKERNELAPI KIRQL NTAPI ExAcquireSpinLockShared(PEX_SPIN_LOCK SpinLock);
NTKERNELAPI VOID NTAPI ExAcquireSpinLockSharedAtDpcLevel(PEX_SPIN_LOCK SpinLock);
NTKERNELAPI VOID NTAPI ExReleaseSpinLockExclusive(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql);
NTKERNELAPI VOID NTAPI ExReleaseSpinLockExclusiveFromDpcLevel(PEX_SPIN_LOCK SpinLock);
NTKERNELAPI VOID NTAPI ExReleaseSpinLockShared(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql);
NTKERNELAPI VOID NTAPI ExReleaseSpinLockSharedFromDpcLevel(PEX_SPIN_LOCK SpinLock);
NTKERNELAPI LOGICAL NTAPI ExTryConvertSharedSpinLockExclusive(PEX_SPIN_LOCK SpinLock);
/* mingw-w64's ntifs.h declares ExInitializePushLock without NTAPI: on x86 the kernel's routine is
 * stdcall (_ExInitializePushLock@4; the WDK compiles x86 drivers with /Gz), so call it as one. */
#define ExInitializePushLock(p) ((VOID (NTAPI *)(PEX_PUSH_LOCK))ExInitializePushLock)(p)
NTKERNELAPI VOID FASTCALL ExfAcquirePushLockExclusive(PEX_PUSH_LOCK PushLock);
NTKERNELAPI VOID FASTCALL ExfAcquirePushLockShared(PEX_PUSH_LOCK PushLock);
NTKERNELAPI BOOLEAN FASTCALL ExfTryAcquirePushLockShared(PEX_PUSH_LOCK PushLock);
NTKERNELAPI VOID FASTCALL ExfReleasePushLock(PEX_PUSH_LOCK PushLock);
NTKERNELAPI VOID FASTCALL ExfReleasePushLockExclusive(PEX_PUSH_LOCK PushLock);
NTKERNELAPI VOID FASTCALL ExfReleasePushLockShared(PEX_PUSH_LOCK PushLock);
NTKERNELAPI VOID FASTCALL KeAcquireInStackQueuedSpinLockRaiseToSynch(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
NTSYSAPI PVOID NTAPI RtlPcToFileHeader(PVOID PcValue, PVOID *BaseOfImage);
NTSYSAPI PVOID NTAPI RtlImageDirectoryEntryToData(PVOID Base, BOOLEAN MappedAsImage, USHORT DirectoryEntry, PULONG Size);
NTSYSAPI PIMAGE_NT_HEADERS NTAPI RtlImageNtHeader(PVOID Base);
struct in_addr;
NTSYSAPI PSTR NTAPI RtlIpv4AddressToStringA(const struct in_addr *Addr, PSTR S);
NTSYSAPI PWSTR NTAPI RtlIpv4AddressToStringW(const struct in_addr *Addr, PWSTR S);
NTSYSAPI NTSTATUS NTAPI RtlIpv4StringToAddressA(PCSTR S, BOOLEAN Strict, PCSTR *Terminator, struct in_addr *Addr);
NTSYSAPI NTSTATUS NTAPI RtlIntegerToChar(ULONG Value, ULONG Base, LONG OutputLength, PSZ String);
_CRTIMP int __cdecl sprintf_s(char *Buffer, size_t Size, const char *Format, ...);
_CRTIMP int __cdecl swprintf_s(wchar_t *Buffer, size_t Size, const wchar_t *Format, ...);
_CRTIMP int __cdecl vsprintf_s(char *Buffer, size_t Size, const char *Format, va_list Args);

/* mingw-w64 maps this to wdmlib's copy (WdmlibRtlIsNtDdiVersionAvailable); call the kernel's export. */
#undef RtlIsNtDdiVersionAvailable
NTSYSAPI BOOLEAN NTAPI RtlIsNtDdiVersionAvailable(ULONG Version);

/*
 * apivm.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; the Wild, Touch and Write exports misuse memory on purpose and must end
 * in a clean fault report.
 *
 * Declarations missing from mingw-w64 10's headers, written from the public documentation:
 * NtQueryVirtualMemory / ZwQueryVirtualMemory and MEMORY_BASIC_INFORMATION (Microsoft Learn,
 * ntifs.h and winnt.h), ZwProtectVirtualMemory and ZwLockVirtualMemory (parameters as the
 * NtProtectVirtualMemory / NtLockVirtualMemory system services), IoCreateDriver / IoDeleteDriver
 * (undocumented ntoskrnl exports: the name of the object, the routine called with it),
 * MmCopyVirtualMemory (undocumented export: source process and address, target process and
 * address, size, previous mode, bytes copied).
 */
#pragma once
#include <ntddk.h>
#include "../include/apitest.h"

#define VM_TAG 'mVpA'

/* An address in system space on either arch (x64 kernel images; x86's system range starts at 0x80000000). */
#ifdef _WIN64
#define KERNEL_VA ((PVOID)(ULONG_PTR)0xFFFFF80000000000ULL)
#else
#define KERNEL_VA ((PVOID)(ULONG_PTR)0x80400000UL)
#endif
/* Where every process sees KUSER_SHARED_DATA (read-only), on x86 and x64 alike. */
#define SHARED_USER_DATA_VA ((PVOID)(ULONG_PTR)0x7FFE0000UL)

typedef struct _VM_BASIC_INFO {
    PVOID BaseAddress;
    PVOID AllocationBase;
    ULONG AllocationProtect;
#ifdef _WIN64
    USHORT PartitionId;   /* winnt.h: 64-bit only (0x30 bytes on x64, 0x1C on x86) */
#endif
    SIZE_T RegionSize;
    ULONG State;
    ULONG Protect;
    ULONG Type;
} VM_BASIC_INFO;

#define VmMemoryBasicInformation 0
#ifndef MAP_PROCESS
#define MAP_PROCESS 1
#define MAP_SYSTEM 2
#endif
#ifndef STATUS_PARTIAL_COPY
#define STATUS_PARTIAL_COPY ((NTSTATUS)0x8000000DL)
#endif
#ifndef STATUS_WAS_LOCKED
#define STATUS_WAS_LOCKED ((NTSTATUS)0x40000019L)
#endif
#ifndef STATUS_NOT_COMMITTED
#define STATUS_NOT_COMMITTED ((NTSTATUS)0xC000002DL)
#endif
#ifndef STATUS_FREE_VM_NOT_AT_BASE
#define STATUS_FREE_VM_NOT_AT_BASE ((NTSTATUS)0xC000009FL)
#endif
#ifndef STATUS_MEMORY_NOT_ALLOCATED
#define STATUS_MEMORY_NOT_ALLOCATED ((NTSTATUS)0xC00000A0L)
#endif

/* ntifs.h declares these (Microsoft Learn); an undeclared call would be cdecl, which on x86
 * pops the stack twice after the stdcall routine (_ZwAllocateVirtualMemory@24). */
NTSYSAPI NTSTATUS NTAPI ZwAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, ULONG_PTR ZeroBits, PSIZE_T RegionSize,
    ULONG AllocationType, ULONG Protect);
NTSYSAPI NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, ULONG_PTR ZeroBits, PSIZE_T RegionSize,
    ULONG AllocationType, ULONG Protect);
NTSYSAPI NTSTATUS NTAPI ZwFreeVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG FreeType);
NTSYSAPI NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG FreeType);
NTSYSAPI NTSTATUS NTAPI ZwQueryVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress, ULONG MemoryInformationClass,
    PVOID MemoryInformation, SIZE_T MemoryInformationLength, PSIZE_T ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtQueryVirtualMemory(HANDLE ProcessHandle, PVOID BaseAddress, ULONG MemoryInformationClass,
    PVOID MemoryInformation, SIZE_T MemoryInformationLength, PSIZE_T ReturnLength);
NTSYSAPI NTSTATUS NTAPI ZwProtectVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG NewProtect, PULONG OldProtect);
NTSYSAPI NTSTATUS NTAPI ZwLockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG MapType);
NTSYSAPI NTSTATUS NTAPI ZwUnlockVirtualMemory(HANDLE ProcessHandle, PVOID *BaseAddress, PSIZE_T RegionSize, ULONG MapType);
NTKERNELAPI NTSTATUS NTAPI MmCopyVirtualMemory(PEPROCESS SourceProcess, PVOID SourceAddress, PEPROCESS TargetProcess, PVOID TargetAddress,
    SIZE_T BufferSize, KPROCESSOR_MODE PreviousMode, PSIZE_T ReturnSize);
NTKERNELAPI NTSTATUS NTAPI IoCreateDriver(PUNICODE_STRING DriverName, PDRIVER_INITIALIZE InitializationFunction);
NTKERNELAPI VOID NTAPI IoDeleteDriver(PDRIVER_OBJECT DriverObject);
NTKERNELAPI NTSTATUS NTAPI ObReferenceObjectByName(PUNICODE_STRING ObjectName, ULONG Attributes, PACCESS_STATE AccessState,
    ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PVOID ParseContext, PVOID *Object);
__declspec(dllimport) extern POBJECT_TYPE *IoDriverObjectType;

/* vm.c */
int TestVirtualMemory(void);
int TestVirtualMemoryArgs(void);
int TestUserSpaceLayout(void);
int TestCopyVirtualMemory(void);
int WildProtectBase(void);
int WildOldProtect(void);
int TouchNoAccess(void);
int WriteReadOnly(void);

/* drvobj.c */
int TestCreateDriver(void);
int WildDriverName(void);

/*
 * apiobio.sys — shared declarations: routines Windows exports whose prototypes mingw-w64 10's
 * headers lack (from the WDK's ntifs.h / wdm.h as Microsoft Learn documents them), and the
 * devices DriverEntry makes.
 */
#pragma once
#include <ntifs.h>
#include "../include/apitest.h"

NTKERNELAPI NTSTATUS NTAPI ObOpenObjectByName(POBJECT_ATTRIBUTES ObjectAttributes, POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
    PACCESS_STATE AccessState, ACCESS_MASK DesiredAccess, PVOID ParseContext, PHANDLE Handle);
NTKERNELAPI NTSTATUS NTAPI MmCreateSection(PVOID *SectionObject, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
    PLARGE_INTEGER InputMaximumSize, ULONG SectionPageProtection, ULONG AllocationAttributes, HANDLE FileHandle, PFILE_OBJECT FileObject);
NTKERNELAPI NTSTATUS NTAPI MmMapViewOfSection(PVOID SectionToMap, PEPROCESS Process, PVOID *CapturedBase, ULONG_PTR ZeroBits, SIZE_T CommitSize,
    PLARGE_INTEGER SectionOffset, PSIZE_T CapturedViewSize, SECTION_INHERIT InheritDisposition, ULONG AllocationType, ULONG Protect);
NTKERNELAPI NTSTATUS NTAPI MmUnmapViewOfSection(PEPROCESS Process, PVOID BaseAddress);
NTSYSAPI NTSTATUS NTAPI ZwSetInformationObject(HANDLE Handle, OBJECT_INFORMATION_CLASS ObjectInformationClass, PVOID ObjectInformation, ULONG ObjectInformationLength);
typedef struct _OBJECT_HANDLE_FLAG_INFORMATION {
    BOOLEAN Inherit;
    BOOLEAN ProtectFromClose;
} OBJECT_HANDLE_FLAG_INFORMATION, *POBJECT_HANDLE_FLAG_INFORMATION;
#define ObjectHandleFlagInformation ((OBJECT_INFORMATION_CLASS)4)
NTKERNELAPI NTSTATUS NTAPI ObSetHandleAttributes(HANDLE Handle, POBJECT_HANDLE_FLAG_INFORMATION HandleFlags, KPROCESSOR_MODE PreviousMode);
/* The x64 compiler helper MSVC calls when control leaves a __try early (vcruntime). */
void _local_unwind(void *TargetFrame, void *TargetIp);
/* ntifs.h of newer WDKs maps RtlVolumeDeviceToDosName to IoVolumeDeviceToDosName; older drivers import the Rtl name. */
#undef RtlVolumeDeviceToDosName
NTKERNELAPI NTSTATUS NTAPI RtlVolumeDeviceToDosName(PVOID VolumeDeviceObject, PUNICODE_STRING DosName);

/* The devices DriverEntry makes: \Device\ApiObIo (link \??\ApiObIo), and an unnamed filter for stack tests. */
extern PDEVICE_OBJECT g_Device;
extern PDRIVER_OBJECT g_Driver;
/* What the dispatch routines saw (main.c). */
extern ULONG g_Creates, g_Cleanups, g_Closes, g_LastIoctl, g_LastFsctl;
extern UCHAR g_LastWrite[8];
extern LONGLONG g_LastOffset;
extern UNICODE_STRING g_LastCreateName;
extern WCHAR g_LastCreateChars[64];

#define IOCTL_OBIO_ECHO CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define FSCTL_OBIO_PING CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* section.c: open a file on the volume (shared for read, write and delete). */
NTSTATUS ObioOpenFile(PCWSTR Name, ACCESS_MASK Access, ULONG Disposition, PHANDLE Handle);

#define INIT_OA(oa, name, attrs) InitializeObjectAttributes(&(oa), (name), (attrs) | OBJ_KERNEL_HANDLE, NULL, NULL)

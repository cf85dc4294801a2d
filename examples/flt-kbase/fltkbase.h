/*
 * fltkbase.sys - a kernel library over the Filter Manager's helpers, as IRPMon's kbase.dll uses
 * them: a push-lock-protected table of file names (table.c) and name parsing (names.c). It includes
 * <fltKernel.h> (mingw-w64 has none: kmdll's data/include/fltkernel.h) and links
 * $(DDK_LIB_PATH)\fltmgr.lib (kmdll writes the import library).
 */
#pragma once
#include <fltKernel.h>

#define FLTKBASE_TAG 'bKlF'
#define FLTKBASE_MAX_NAMES 8

#ifdef FLTKBASE_EXPORTS
#define FLTKBASE_API
#else
#define FLTKBASE_API DECLSPEC_IMPORT
#endif

/* The documented member lists give these sizes (fltkernel.h, Microsoft Learn). */
C_ASSERT(sizeof(FLT_OPERATION_REGISTRATION) == (sizeof(PVOID) == 8 ? 32 : 20));
C_ASSERT(FIELD_OFFSET(FLT_REGISTRATION, OperationRegistration) == (sizeof(PVOID) == 8 ? 16 : 12));
C_ASSERT(FIELD_OFFSET(FLT_REGISTRATION, SectionNotificationCallback) == (sizeof(PVOID) == 8 ? 104 : 56));
C_ASSERT(FIELD_OFFSET(FLT_FILE_NAME_INFORMATION, Name) == 8);
C_ASSERT(FIELD_OFFSET(FLT_RELATED_OBJECTS, Filter) == sizeof(PVOID));

/* table.c */
FLTKBASE_API NTSTATUS NTAPI FkTableInsert(PCUNICODE_STRING Name);
FLTKBASE_API ULONG NTAPI FkTableCount(VOID);
NTSTATUS FkTableInit(VOID);
VOID FkTableFinit(VOID);

/* names.c */
FLTKBASE_API NTSTATUS NTAPI FkNameParts(PCUNICODE_STRING Name, PUNICODE_STRING Extension, PUNICODE_STRING FinalComponent);

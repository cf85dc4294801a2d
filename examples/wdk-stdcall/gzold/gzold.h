#ifndef GZOLD_H
#define GZOLD_H
#include <ntddk.h>

/*
 * Not in the DDK headers of its day: declared here, without NTAPI, as old projects did. ntoskrnl
 * exports it stdcall (it takes no arguments, so the stack survives the cdecl call; kmdll build
 * still says so).
 */
ULONG PsGetCurrentProcessSessionId(VOID);

ULONG GzOldSession(VOID);
#endif

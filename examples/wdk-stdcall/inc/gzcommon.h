/*
 * Shared by gzlib (the export driver), gzdrv (its importer) and the user-mode side: the control
 * code and the routines gzlib exports. No calling convention is written anywhere: on x86 the WDK
 * compiles with /Gz, so these are stdcall (_GzSum@8), as ntoskrnl's own routines are.
 */
#ifndef GZCOMMON_H
#define GZCOMMON_H

#define GZ_DEVICE_NAME   L"\\Device\\GzDrv"
#define GZ_LINK_NAME     L"\\DosDevices\\GzDrv"

/* Input: three ULONGs; output: one ULONG, their sum as gzlib computes it. */
#define IOCTL_GZ_SUM3 CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

#ifdef GZLIB_BUILD
#define GZLIB_API
#else
#define GZLIB_API DECLSPEC_IMPORT
#endif

EXTERN_C GZLIB_API ULONG GzSum(ULONG a, ULONG b);
/* Written in assembly on x86 (gzlib\i386\gzsum3.asm): calls GzSum twice and expects it to pop its arguments. */
EXTERN_C GZLIB_API ULONG GzSum3(ULONG a, ULONG b, ULONG c);
/* How many times GzSum ran (gzlib counts). */
EXTERN_C GZLIB_API LONG GzCallCount(VOID);
/*
 * Exported with __declspec(dllexport) and not listed in gzlib.def: link.exe exports a stdcall
 * routine so under its decorated name, _GzTwice@4, and importers import it by that name.
 */
#ifndef GZLIB_BUILD
EXTERN_C __declspec(dllimport) ULONG GzTwice(ULONG v);
#endif

#endif

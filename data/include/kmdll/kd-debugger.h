/*
 * KdDebuggerEnabled / KdDebuggerNotPresent: the WDK declares them `PBOOLEAN` for drivers
 * (ntoskrnl exports the BOOLEAN variables; a driver's import slot holds their address), so WDK
 * code reads `*KdDebuggerEnabled` and uses KD_DEBUGGER_ENABLED. mingw-w64 declares them BOOLEAN
 * when __GNUC__ is defined. Here the names stand for the variables' addresses, as in the WDK.
 * Define KMDLL_NO_KD_DEBUGGER_SHIM to keep mingw-w64's declarations.
 */
#ifndef KMDLL_KD_DEBUGGER_H
#define KMDLL_KD_DEBUGGER_H
#if !defined(KMDLL_NO_KD_DEBUGGER_SHIM) && (defined(_NTDDK_) || defined(_NTIFS_) || defined(_NTHAL_) || defined(_WDMDDK_))
#define KdDebuggerEnabled (&KdDebuggerEnabled)
#define KdDebuggerNotPresent (&KdDebuggerNotPresent)
#undef KD_DEBUGGER_ENABLED
#undef KD_DEBUGGER_NOT_PRESENT
#define KD_DEBUGGER_ENABLED (*KdDebuggerEnabled)
#define KD_DEBUGGER_NOT_PRESENT (*KdDebuggerNotPresent)
#endif
#endif

/*
 * kmdll compatibility layer over mingw-w64's <ntddk.h>: see kmdll/kd-debugger.h (after ntddk.h,
 * whose KD_DEBUGGER_INFORMATION has a member of that name).
 */
#ifndef KMDLL_COMPAT_NTDDK_H
#define KMDLL_COMPAT_NTDDK_H
#include_next <ntddk.h>
#include <kmdll/kd-debugger.h>
#endif

/*
 * kmdll compatibility layer over mingw-w64's <ntddk.h>: see kmdll/kd-debugger.h (after ntddk.h,
 * whose KD_DEBUGGER_INFORMATION has a member of that name), and kmdll/arm64-enter.h for ARM64.
 */
#ifndef KMDLL_COMPAT_NTDDK_H
#define KMDLL_COMPAT_NTDDK_H
#if defined(__aarch64__) && !defined(KMDLL_ARM64_WINDOW)
#define KMDLL_ARM64_WINDOW 1
#define KMDLL_ARM64_WINDOW_NTDDK
#include <kmdll/arm64-enter.h>
#endif
#include_next <ntddk.h>
#ifdef KMDLL_ARM64_WINDOW_NTDDK
#include <kmdll/arm64-leave.h>
#undef KMDLL_ARM64_WINDOW_NTDDK
#undef KMDLL_ARM64_WINDOW
#endif
#include <kmdll/kd-debugger.h>
#include <kmdll/arm64-ntddk.h>
#endif

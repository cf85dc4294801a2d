/*
 * kmdll compatibility layer over mingw-w64's <ntddk.h>: see kmdll/kd-debugger.h (after ntddk.h,
 * whose KD_DEBUGGER_INFORMATION has a member of that name), kmdll/image-info.h (the WDK's
 * IMAGE_INFO bit-fields), kmdll/process-info.h (newer PROCESSINFOCLASS values), and
 * kmdll/arm64-enter.h for ARM64.
 */
#ifndef KMDLL_COMPAT_NTDDK_H
#define KMDLL_COMPAT_NTDDK_H
#if defined(__aarch64__) && !defined(KMDLL_ARM64_WINDOW)
#define KMDLL_ARM64_WINDOW 1
#define KMDLL_ARM64_WINDOW_NTDDK
#include <kmdll/arm64-enter.h>
#endif
#if !defined(KMDLL_NO_IMAGE_INFO_SHIM) && !defined(KMDLL_IMAGE_INFO_RENAMED)
/* mingw-w64's IMAGE_INFO lacks the WDK's signature bit-fields: renamed here, kmdll/image-info.h declares the WDK's. */
#define KMDLL_IMAGE_INFO_RENAMED 1
#define _IMAGE_INFO _KMDLL_MINGW_IMAGE_INFO
#define IMAGE_INFO KMDLL_MINGW_IMAGE_INFO
#define PIMAGE_INFO KMDLL_MINGW_PIMAGE_INFO
#define _IMAGE_INFO_EX _KMDLL_MINGW_IMAGE_INFO_EX
#define IMAGE_INFO_EX KMDLL_MINGW_IMAGE_INFO_EX
#define PIMAGE_INFO_EX KMDLL_MINGW_PIMAGE_INFO_EX
#define PLOAD_IMAGE_NOTIFY_ROUTINE KMDLL_MINGW_PLOAD_IMAGE_NOTIFY_ROUTINE
#define PsSetLoadImageNotifyRoutine KMDLL_MINGW_PsSetLoadImageNotifyRoutine
#define PsRemoveLoadImageNotifyRoutine KMDLL_MINGW_PsRemoveLoadImageNotifyRoutine
#endif
#include_next <ntddk.h>
#ifdef KMDLL_ARM64_WINDOW_NTDDK
#include <kmdll/arm64-leave.h>
#undef KMDLL_ARM64_WINDOW_NTDDK
#undef KMDLL_ARM64_WINDOW
#endif
#include <kmdll/kd-debugger.h>
#include <kmdll/image-info.h>
#include <kmdll/process-info.h>
#include <kmdll/arm64-ntddk.h>
#endif

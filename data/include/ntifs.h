/*
 * kmdll compatibility layer over mingw-w64's <ntifs.h>: the ksecdd routines mingw-w64 does not
 * declare (kmdll/ksecdd.h), and the ARM64 window (kmdll/arm64-enter.h).
 */
#ifndef KMDLL_COMPAT_NTIFS_H
#define KMDLL_COMPAT_NTIFS_H
#if defined(__aarch64__) && !defined(KMDLL_ARM64_WINDOW)
#define KMDLL_ARM64_WINDOW 1
#define KMDLL_ARM64_WINDOW_NTIFS
#include <kmdll/arm64-enter.h>
#endif
#include_next <ntifs.h>
#ifdef KMDLL_ARM64_WINDOW_NTIFS
#include <kmdll/arm64-leave.h>
#undef KMDLL_ARM64_WINDOW_NTIFS
#undef KMDLL_ARM64_WINDOW
#endif
#include <kmdll/ksecdd.h>
#endif

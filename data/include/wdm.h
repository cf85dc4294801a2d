/*
 * kmdll compatibility layer over mingw-w64's <wdm.h> (see docs/build.md, "Compatibility headers").
 * This folder comes before mingw-w64's include/ddk on the include path; each shim is small and
 * only adds or repairs what WDK code expects. Upstream mingw-w64 problems it works around:
 *  - wdm.h defines InterlockedBitTestAndSet/Reset as `static __inline__` after intrin-impl.h
 *    declared them extern; in clang's Microsoft mode the static definition keeps external linkage,
 *    so every object that includes wdm.h defines them (lld-link: duplicate symbol). Here intrin.h
 *    is read first and wdm.h's copies get private names (uses still expand to the compiler's
 *    _interlockedbittestandset intrinsics, as wdm.h #defines them afterwards).
 */
#ifndef KMDLL_COMPAT_WDM_H
#define KMDLL_COMPAT_WDM_H
/* wdm.h tests NTDDI_VERSION >= NTDDI_WINVISTA around IO_STACK_LOCATION's SystemPowerStateContext,
   which no mingw-w64 header defines (0 in #if: always true), while the type itself is declared for
   NTDDI_VISTA only; below Vista (_NT_TARGET_VERSION=0x502) wdm.h then does not compile. */
#ifndef NTDDI_WINVISTA
#define NTDDI_WINVISTA 0x06000000
#endif
#include <intrin.h>
#undef InterlockedBitTestAndSet
#undef InterlockedBitTestAndReset
#define InterlockedBitTestAndSet kmdll_wdm_InterlockedBitTestAndSet
#define InterlockedBitTestAndReset kmdll_wdm_InterlockedBitTestAndReset
#if defined(__aarch64__) && !defined(KMDLL_ARM64_WINDOW)
#define KMDLL_ARM64_WINDOW 1
#define KMDLL_ARM64_WINDOW_WDM
#include <kmdll/arm64-enter.h>
#endif
#include_next <wdm.h>
#ifdef KMDLL_ARM64_WINDOW_WDM
#include <kmdll/arm64-leave.h>
#undef KMDLL_ARM64_WINDOW_WDM
#undef KMDLL_ARM64_WINDOW
#endif
#include <kmdll/driverspecs-extra.h>
#include <kmdll/memory-barrier.h>
#include <kmdll/pool2.h>
#include <kmdll/mdl-flags.h>
#include <kmdll/key-info.h>
#include <kmdll/wdm-fixes.h>
#endif

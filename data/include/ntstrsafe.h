/*
 * kmdll compatibility layer over mingw-w64's <ntstrsafe.h> (see docs/build.md, "Compatibility
 * headers"); kmdll/unicode-strsafe.h adds RtlUnicodeStringPrintf, which mingw-w64 lacks. Two repairs:
 *  - x86 (the GNU target): mingw-w64 defines the RtlString* routines `extern __inline`. Only with
 *    the MSVC target does clang give that MSVC's meaning (one COMDAT copy); on the GNU target C99
 *    makes it an external definition in every object, so a project with two files that include
 *    ntstrsafe.h fails to link (lld-link: duplicate symbol: _RtlStringCchCopyA@12). Here they are
 *    read as `static __inline` (each object keeps private copies, as cl.exe's COMDATs amount to).
 *    The headers ntstrsafe.h includes are read first, so the redefinition touches only its own text.
 *  - the WDK's ntstrsafe.h declares `typedef unsigned long DWORD;` (its dwFlags parameters), and
 *    kernel code that includes it uses DWORD without windows.h; mingw-w64's copy does not. The same
 *    typedef again is valid C (C11), so it does not conflict with windows.h.
 */
#ifndef KMDLL_COMPAT_NTSTRSAFE_H
#define KMDLL_COMPAT_NTSTRSAFE_H
#if !defined(_MSC_VER) && !defined(__cplusplus)
#include <_mingw_unicode.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <specstrings.h>
#pragma push_macro("extern")
#pragma push_macro("__inline")
#define extern
#define __inline static __inline__
#include_next <ntstrsafe.h>
#pragma pop_macro("__inline")
#pragma pop_macro("extern")
#else
#include_next <ntstrsafe.h>
#endif
typedef unsigned long DWORD;
#include <kmdll/unicode-strsafe.h>
#endif

/*
 * kmdll compatibility layer over mingw-w64's <excpt.h>: the WDK's excpt.h lets C code write the
 * structured-exception keywords without underscores (`try`, `except`, `finally`, `leave`), as
 * older drivers do. Not in C++, where `try` is the C++ keyword. Define KMDLL_NO_SEH_KEYWORDS to
 * keep the plain names free.
 */
#ifndef KMDLL_COMPAT_EXCPT_H
#define KMDLL_COMPAT_EXCPT_H
#include_next <excpt.h>
#if !defined(__cplusplus) && !defined(KMDLL_NO_SEH_KEYWORDS)
#define try __try
#define except __except
#define finally __finally
#define leave __leave
#endif
#endif

/*
 * kmdll compatibility layer over mingw-w64's <string.h>: mingw-w64 declares strncpy, wcsncpy and
 * wcsncat without __cdecl (every other routine of the header has it; the WDK's string.h declares
 * all of them __cdecl). Compiled with the WDK's x86 default /Gz (stdcall), a call to them would be
 * decorated _strncpy@12, which no kernel exports: ntoskrnl.exe exports the cdecl routines. Declared
 * __cdecl here first; mingw-w64's declarations without a convention then inherit it.
 * (docs/build.md, "mingw-w64 problems", 10.)
 */
#ifndef KMDLL_COMPAT_STRING_H
#define KMDLL_COMPAT_STRING_H
#if defined(__i386__)
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
char *__cdecl strncpy(char *, const char *, size_t);
wchar_t *__cdecl wcsncpy(wchar_t *, const wchar_t *, size_t);
wchar_t *__cdecl wcsncat(wchar_t *, const wchar_t *, size_t);
#ifdef __cplusplus
}
#endif
#endif
#include_next <string.h>
#endif

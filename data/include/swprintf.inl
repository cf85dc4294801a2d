/*
 * kmdll compatibility layer over mingw-w64's <swprintf.inl> (see docs/build.md, "Compatibility
 * headers"). Kernel code calls swprintf in its legacy two-argument form, swprintf(buffer, format,
 * ...), which is what ntoskrnl exports and what the WDK's headers declare for drivers; mingw-w64
 * declares ISO C's swprintf(buffer, count, format, ...) only, so such calls do not compile. In C,
 * swprintf picks the form by its second argument: a wide string → ntoskrnl's legacy routine
 * (imported as _swprintf, the same routine); anything else → ISO C's.
 * KMDLL_NO_LEGACY_SWPRINTF turns this off.
 */
#ifndef KMDLL_COMPAT_SWPRINTF_INL
#define KMDLL_COMPAT_SWPRINTF_INL
#include_next <swprintf.inl>
#if !defined(__cplusplus) && !defined(KMDLL_NO_LEGACY_SWPRINTF)
_CRTIMP int __cdecl _swprintf(wchar_t * __restrict__ _Dest, const wchar_t * __restrict__ _Format, ...);
#define swprintf(dest, second, ...) \
  _Generic((second), wchar_t *: _swprintf, const wchar_t *: _swprintf, default: swprintf)(dest, second, ##__VA_ARGS__)
#endif
#endif

/* The end of kmdll/arm64-enter.h's window (see there). */
#ifdef KMDLL_ARM64_UNDEF_M_ARM
#undef _M_ARM
#undef KMDLL_ARM64_UNDEF_M_ARM
#endif
#ifdef KMDLL_ARM64_UNDEF_AMD64
#undef _AMD64_
#undef KMDLL_ARM64_UNDEF_AMD64
#endif

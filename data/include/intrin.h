/*
 * kmdll compatibility layer over mingw-w64's <intrin.h>: declares the MSVC kernel intrinsics that
 * neither mingw-w64 nor clang provide (kmdll/msvc-intrinsics.h). Their definitions are in
 * data/lib-src/msvc-intrinsics.c, which kmdll links as a library (only what is used is pulled in).
 */
#ifndef KMDLL_COMPAT_INTRIN_H
#define KMDLL_COMPAT_INTRIN_H
#include_next <intrin.h>
#include <kmdll/msvc-intrinsics.h>
#endif

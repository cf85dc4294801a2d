/*
 * mathlib.h — what importers of mathlib.sys declare. The routines use the calling conventions
 * kernel exports use on x86: NTAPI (stdcall, the usual one), FASTCALL, and plain C (cdecl).
 * On x64 all three are the one Windows x64 convention.
 */
#pragma once
#include <ntddk.h>

EXTERN_C DECLSPEC_IMPORT LONG NTAPI MathMul(LONG a, LONG b);
EXTERN_C DECLSPEC_IMPORT LONG FASTCALL MathAdd(LONG a, LONG b);
EXTERN_C DECLSPEC_IMPORT LONG __cdecl MathSub(LONG a, LONG b);
EXTERN_C DECLSPEC_IMPORT LONG NTAPI MathSum(LONG count, const LONG *values);
/* Exported as MathProduct, implemented by MathMul (an =internal name in the .def). */
EXTERN_C DECLSPEC_IMPORT LONG NTAPI MathProduct(LONG a, LONG b);

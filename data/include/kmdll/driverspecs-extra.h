/*
 * Driver Verifier / SAL annotations the WDK code uses and mingw-w64's driverspecs.h and
 * specstrings.h lack. They only inform static analysis, so each expands to nothing.
 */
#ifndef KMDLL_DRIVERSPECS_EXTRA_H
#define KMDLL_DRIVERSPECS_EXTRA_H
#ifndef __drv_functionClass
#define __drv_functionClass(x)
#endif
#ifndef __drv_sameIRQL
#define __drv_sameIRQL
#endif
#ifndef __drv_acquiresResource
#define __drv_acquiresResource(kind)
#endif
#ifndef __drv_releasesResource
#define __drv_releasesResource(kind)
#endif
#ifndef __drv_mustHold
#define __drv_mustHold(kind)
#endif
#ifndef __drv_mustHoldCriticalRegion
#define __drv_mustHoldCriticalRegion
#endif
#ifndef __drv_neverHold
#define __drv_neverHold(kind)
#endif
#ifndef __drv_innerMustHold
#define __drv_innerMustHold(kind)
#endif
#ifndef __drv_requiresIRQLGlobal
#define __drv_requiresIRQLGlobal(kind, param)
#endif
#ifndef __drv_minIRQL
#define __drv_minIRQL(x)
#endif
#ifndef __drv_preferredFunction
#define __drv_preferredFunction(f, why)
#endif
#ifndef __drv_reportError
#define __drv_reportError(why)
#endif
#ifndef __drv_strictType
#define __drv_strictType(t, mode)
#endif
#ifndef __drv_strictTypeMatch
#define __drv_strictTypeMatch(mode)
#endif
#ifndef __drv_allocatesMem
#define __drv_allocatesMem(kind)
#endif
#ifndef __drv_isObjectPointer
#define __drv_isObjectPointer
#endif
#ifndef __drv_clearDoInit
#define __drv_clearDoInit(x)
#endif
#ifndef __drv_completionType
#define __drv_completionType(x)
#endif
#ifndef _Dispatch_type_
#define _Dispatch_type_(x)
#endif
#ifndef _Function_class_
#define _Function_class_(x)
#endif
#ifndef _IRQL_always_function_max_
#define _IRQL_always_function_max_(x)
#endif
#ifndef _IRQL_always_function_min_
#define _IRQL_always_function_min_(x)
#endif
#ifndef _Kernel_float_saved_
#define _Kernel_float_saved_
#endif
#ifndef _Kernel_float_restored_
#define _Kernel_float_restored_
#endif
#ifndef _Kernel_clear_do_init_
#define _Kernel_clear_do_init_(x)
#endif
#ifndef _Kernel_requires_resource_held_
#define _Kernel_requires_resource_held_(kind)
#endif
#ifndef _Kernel_requires_resource_not_held_
#define _Kernel_requires_resource_not_held_(kind)
#endif
#ifndef _Kernel_acquires_resource_
#define _Kernel_acquires_resource_(kind)
#endif
#ifndef _Kernel_releases_resource_
#define _Kernel_releases_resource_(kind)
#endif
#ifndef _Must_inspect_result_
#define _Must_inspect_result_
#endif
#ifndef _Use_decl_annotations_
#define _Use_decl_annotations_
#endif
#ifndef _When_
#define _When_(c, a)
#endif
#ifndef _At_
#define _At_(t, a)
#endif
/* SAL 1 buffer annotations (the WDK's specstrings.h) mingw-w64's specstrings.h lacks: the _opt
 * forms with a size, the __deref_* family, field and range annotations. */
#ifndef __in_z_opt
#define __in_z_opt
#endif
#ifndef __in_nz_opt
#define __in_nz_opt
#endif
#ifndef __in_z
#define __in_z
#endif
#ifndef __out_z_opt
#define __out_z_opt
#endif
#ifndef __out_nz_opt
#define __out_nz_opt
#endif
#ifndef __out_z
#define __out_z
#endif
#ifndef __inout_z_opt
#define __inout_z_opt
#endif
#ifndef __inout_nz_opt
#define __inout_nz_opt
#endif
#ifndef __inout_z
#define __inout_z
#endif
#ifndef __deref_in
#define __deref_in
#endif
#ifndef __deref_in_opt
#define __deref_in_opt
#endif
#ifndef __deref_in_z
#define __deref_in_z
#endif
#ifndef __deref_in_z_opt
#define __deref_in_z_opt
#endif
#ifndef __deref_out
#define __deref_out
#endif
#ifndef __deref_out_opt
#define __deref_out_opt
#endif
#ifndef __deref_out_z
#define __deref_out_z
#endif
#ifndef __deref_out_z_opt
#define __deref_out_z_opt
#endif
#ifndef __deref_inout
#define __deref_inout
#endif
#ifndef __deref_inout_opt
#define __deref_inout_opt
#endif
#ifndef __deref_inout_z
#define __deref_inout_z
#endif
#ifndef __deref_inout_z_opt
#define __deref_inout_z_opt
#endif
#ifndef __deref_opt_in
#define __deref_opt_in
#endif
#ifndef __deref_opt_in_opt
#define __deref_opt_in_opt
#endif
#ifndef __deref_opt_in_z
#define __deref_opt_in_z
#endif
#ifndef __deref_opt_in_z_opt
#define __deref_opt_in_z_opt
#endif
#ifndef __deref_opt_out
#define __deref_opt_out
#endif
#ifndef __deref_opt_out_opt
#define __deref_opt_out_opt
#endif
#ifndef __deref_opt_out_z
#define __deref_opt_out_z
#endif
#ifndef __deref_opt_out_z_opt
#define __deref_opt_out_z_opt
#endif
#ifndef __deref_opt_inout
#define __deref_opt_inout
#endif
#ifndef __deref_opt_inout_opt
#define __deref_opt_inout_opt
#endif
#ifndef __deref_opt_inout_z
#define __deref_opt_inout_z
#endif
#ifndef __deref_opt_inout_z_opt
#define __deref_opt_inout_z_opt
#endif
#ifndef __checkReturn
#define __checkReturn
#endif
#ifndef __reserved
#define __reserved
#endif
#ifndef __nullterminated
#define __nullterminated
#endif
#ifndef __nullnullterminated
#define __nullnullterminated
#endif
#ifndef __format_string
#define __format_string
#endif
#ifndef __callback
#define __callback
#endif
#ifndef __override
#define __override
#endif
#ifndef __fallthrough
#define __fallthrough
#endif
#ifndef __notnull
#define __notnull
#endif
#ifndef __maybenull
#define __maybenull
#endif
#ifndef __in_bcount_opt
#define __in_bcount_opt(s)
#endif
#ifndef __in_bcount_z_opt
#define __in_bcount_z_opt(s)
#endif
#ifndef __in_bcount_nz_opt
#define __in_bcount_nz_opt(s)
#endif
#ifndef __in_bcount_full_opt
#define __in_bcount_full_opt(s)
#endif
#ifndef __in_bcount
#define __in_bcount(s)
#endif
#ifndef __in_ecount_opt
#define __in_ecount_opt(s)
#endif
#ifndef __in_ecount_z_opt
#define __in_ecount_z_opt(s)
#endif
#ifndef __in_ecount_nz_opt
#define __in_ecount_nz_opt(s)
#endif
#ifndef __in_ecount_full_opt
#define __in_ecount_full_opt(s)
#endif
#ifndef __in_ecount
#define __in_ecount(s)
#endif
#ifndef __in_xcount_opt
#define __in_xcount_opt(s)
#endif
#ifndef __in_xcount_z_opt
#define __in_xcount_z_opt(s)
#endif
#ifndef __in_xcount_nz_opt
#define __in_xcount_nz_opt(s)
#endif
#ifndef __in_xcount_full_opt
#define __in_xcount_full_opt(s)
#endif
#ifndef __in_xcount
#define __in_xcount(s)
#endif
#ifndef __out_bcount_opt
#define __out_bcount_opt(s)
#endif
#ifndef __out_bcount_z_opt
#define __out_bcount_z_opt(s)
#endif
#ifndef __out_bcount_nz_opt
#define __out_bcount_nz_opt(s)
#endif
#ifndef __out_bcount_full_opt
#define __out_bcount_full_opt(s)
#endif
#ifndef __out_bcount
#define __out_bcount(s)
#endif
#ifndef __out_ecount_opt
#define __out_ecount_opt(s)
#endif
#ifndef __out_ecount_z_opt
#define __out_ecount_z_opt(s)
#endif
#ifndef __out_ecount_nz_opt
#define __out_ecount_nz_opt(s)
#endif
#ifndef __out_ecount_full_opt
#define __out_ecount_full_opt(s)
#endif
#ifndef __out_ecount
#define __out_ecount(s)
#endif
#ifndef __out_xcount_opt
#define __out_xcount_opt(s)
#endif
#ifndef __out_xcount_z_opt
#define __out_xcount_z_opt(s)
#endif
#ifndef __out_xcount_nz_opt
#define __out_xcount_nz_opt(s)
#endif
#ifndef __out_xcount_full_opt
#define __out_xcount_full_opt(s)
#endif
#ifndef __out_xcount
#define __out_xcount(s)
#endif
#ifndef __inout_bcount_opt
#define __inout_bcount_opt(s)
#endif
#ifndef __inout_bcount_z_opt
#define __inout_bcount_z_opt(s)
#endif
#ifndef __inout_bcount_nz_opt
#define __inout_bcount_nz_opt(s)
#endif
#ifndef __inout_bcount_full_opt
#define __inout_bcount_full_opt(s)
#endif
#ifndef __inout_bcount
#define __inout_bcount(s)
#endif
#ifndef __inout_ecount_opt
#define __inout_ecount_opt(s)
#endif
#ifndef __inout_ecount_z_opt
#define __inout_ecount_z_opt(s)
#endif
#ifndef __inout_ecount_nz_opt
#define __inout_ecount_nz_opt(s)
#endif
#ifndef __inout_ecount_full_opt
#define __inout_ecount_full_opt(s)
#endif
#ifndef __inout_ecount
#define __inout_ecount(s)
#endif
#ifndef __inout_xcount_opt
#define __inout_xcount_opt(s)
#endif
#ifndef __inout_xcount_z_opt
#define __inout_xcount_z_opt(s)
#endif
#ifndef __inout_xcount_nz_opt
#define __inout_xcount_nz_opt(s)
#endif
#ifndef __inout_xcount_full_opt
#define __inout_xcount_full_opt(s)
#endif
#ifndef __inout_xcount
#define __inout_xcount(s)
#endif
#ifndef __deref_in_bcount
#define __deref_in_bcount(s)
#endif
#ifndef __deref_in_bcount_opt
#define __deref_in_bcount_opt(s)
#endif
#ifndef __deref_in_bcount_z
#define __deref_in_bcount_z(s)
#endif
#ifndef __deref_in_bcount_full
#define __deref_in_bcount_full(s)
#endif
#ifndef __deref_in_bcount_nz
#define __deref_in_bcount_nz(s)
#endif
#ifndef __deref_in_ecount
#define __deref_in_ecount(s)
#endif
#ifndef __deref_in_ecount_opt
#define __deref_in_ecount_opt(s)
#endif
#ifndef __deref_in_ecount_z
#define __deref_in_ecount_z(s)
#endif
#ifndef __deref_in_ecount_full
#define __deref_in_ecount_full(s)
#endif
#ifndef __deref_in_ecount_nz
#define __deref_in_ecount_nz(s)
#endif
#ifndef __deref_out_bcount
#define __deref_out_bcount(s)
#endif
#ifndef __deref_out_bcount_opt
#define __deref_out_bcount_opt(s)
#endif
#ifndef __deref_out_bcount_z
#define __deref_out_bcount_z(s)
#endif
#ifndef __deref_out_bcount_full
#define __deref_out_bcount_full(s)
#endif
#ifndef __deref_out_bcount_nz
#define __deref_out_bcount_nz(s)
#endif
#ifndef __deref_out_ecount
#define __deref_out_ecount(s)
#endif
#ifndef __deref_out_ecount_opt
#define __deref_out_ecount_opt(s)
#endif
#ifndef __deref_out_ecount_z
#define __deref_out_ecount_z(s)
#endif
#ifndef __deref_out_ecount_full
#define __deref_out_ecount_full(s)
#endif
#ifndef __deref_out_ecount_nz
#define __deref_out_ecount_nz(s)
#endif
#ifndef __deref_inout_bcount
#define __deref_inout_bcount(s)
#endif
#ifndef __deref_inout_bcount_opt
#define __deref_inout_bcount_opt(s)
#endif
#ifndef __deref_inout_bcount_z
#define __deref_inout_bcount_z(s)
#endif
#ifndef __deref_inout_bcount_full
#define __deref_inout_bcount_full(s)
#endif
#ifndef __deref_inout_bcount_nz
#define __deref_inout_bcount_nz(s)
#endif
#ifndef __deref_inout_ecount
#define __deref_inout_ecount(s)
#endif
#ifndef __deref_inout_ecount_opt
#define __deref_inout_ecount_opt(s)
#endif
#ifndef __deref_inout_ecount_z
#define __deref_inout_ecount_z(s)
#endif
#ifndef __deref_inout_ecount_full
#define __deref_inout_ecount_full(s)
#endif
#ifndef __deref_inout_ecount_nz
#define __deref_inout_ecount_nz(s)
#endif
#ifndef __deref_opt_in_bcount
#define __deref_opt_in_bcount(s)
#endif
#ifndef __deref_opt_in_bcount_opt
#define __deref_opt_in_bcount_opt(s)
#endif
#ifndef __deref_opt_in_bcount_z
#define __deref_opt_in_bcount_z(s)
#endif
#ifndef __deref_opt_in_bcount_full
#define __deref_opt_in_bcount_full(s)
#endif
#ifndef __deref_opt_in_bcount_nz
#define __deref_opt_in_bcount_nz(s)
#endif
#ifndef __deref_opt_in_ecount
#define __deref_opt_in_ecount(s)
#endif
#ifndef __deref_opt_in_ecount_opt
#define __deref_opt_in_ecount_opt(s)
#endif
#ifndef __deref_opt_in_ecount_z
#define __deref_opt_in_ecount_z(s)
#endif
#ifndef __deref_opt_in_ecount_full
#define __deref_opt_in_ecount_full(s)
#endif
#ifndef __deref_opt_in_ecount_nz
#define __deref_opt_in_ecount_nz(s)
#endif
#ifndef __deref_opt_out_bcount
#define __deref_opt_out_bcount(s)
#endif
#ifndef __deref_opt_out_bcount_opt
#define __deref_opt_out_bcount_opt(s)
#endif
#ifndef __deref_opt_out_bcount_z
#define __deref_opt_out_bcount_z(s)
#endif
#ifndef __deref_opt_out_bcount_full
#define __deref_opt_out_bcount_full(s)
#endif
#ifndef __deref_opt_out_bcount_nz
#define __deref_opt_out_bcount_nz(s)
#endif
#ifndef __deref_opt_out_ecount
#define __deref_opt_out_ecount(s)
#endif
#ifndef __deref_opt_out_ecount_opt
#define __deref_opt_out_ecount_opt(s)
#endif
#ifndef __deref_opt_out_ecount_z
#define __deref_opt_out_ecount_z(s)
#endif
#ifndef __deref_opt_out_ecount_full
#define __deref_opt_out_ecount_full(s)
#endif
#ifndef __deref_opt_out_ecount_nz
#define __deref_opt_out_ecount_nz(s)
#endif
#ifndef __deref_opt_inout_bcount
#define __deref_opt_inout_bcount(s)
#endif
#ifndef __deref_opt_inout_bcount_opt
#define __deref_opt_inout_bcount_opt(s)
#endif
#ifndef __deref_opt_inout_bcount_z
#define __deref_opt_inout_bcount_z(s)
#endif
#ifndef __deref_opt_inout_bcount_full
#define __deref_opt_inout_bcount_full(s)
#endif
#ifndef __deref_opt_inout_bcount_nz
#define __deref_opt_inout_bcount_nz(s)
#endif
#ifndef __deref_opt_inout_ecount
#define __deref_opt_inout_ecount(s)
#endif
#ifndef __deref_opt_inout_ecount_opt
#define __deref_opt_inout_ecount_opt(s)
#endif
#ifndef __deref_opt_inout_ecount_z
#define __deref_opt_inout_ecount_z(s)
#endif
#ifndef __deref_opt_inout_ecount_full
#define __deref_opt_inout_ecount_full(s)
#endif
#ifndef __deref_opt_inout_ecount_nz
#define __deref_opt_inout_ecount_nz(s)
#endif
#ifndef __success
#define __success(s)
#endif
#ifndef __field_bcount
#define __field_bcount(s)
#endif
#ifndef __field_ecount
#define __field_ecount(s)
#endif
#ifndef __field_bcount_opt
#define __field_bcount_opt(s)
#endif
#ifndef __field_ecount_opt
#define __field_ecount_opt(s)
#endif
#ifndef __typefix
#define __typefix(s)
#endif
#ifndef __analysis_assume
#define __analysis_assume(s)
#endif
#ifndef __bcount
#define __bcount(s)
#endif
#ifndef __ecount
#define __ecount(s)
#endif
#ifndef __bcount_opt
#define __bcount_opt(s)
#endif
#ifndef __ecount_opt
#define __ecount_opt(s)
#endif
#ifndef __in_bcount_part_opt
#define __in_bcount_part_opt(s, l)
#endif
#ifndef __in_ecount_part_opt
#define __in_ecount_part_opt(s, l)
#endif
#ifndef __in_xcount_part_opt
#define __in_xcount_part_opt(s, l)
#endif
#ifndef __out_bcount_part_opt
#define __out_bcount_part_opt(s, l)
#endif
#ifndef __out_ecount_part_opt
#define __out_ecount_part_opt(s, l)
#endif
#ifndef __out_xcount_part_opt
#define __out_xcount_part_opt(s, l)
#endif
#ifndef __inout_bcount_part_opt
#define __inout_bcount_part_opt(s, l)
#endif
#ifndef __inout_ecount_part_opt
#define __inout_ecount_part_opt(s, l)
#endif
#ifndef __inout_xcount_part_opt
#define __inout_xcount_part_opt(s, l)
#endif
#ifndef __deref_in_bcount_part
#define __deref_in_bcount_part(s, l)
#endif
#ifndef __deref_in_bcount_part_opt
#define __deref_in_bcount_part_opt(s, l)
#endif
#ifndef __deref_in_ecount_part
#define __deref_in_ecount_part(s, l)
#endif
#ifndef __deref_in_ecount_part_opt
#define __deref_in_ecount_part_opt(s, l)
#endif
#ifndef __deref_out_bcount_part
#define __deref_out_bcount_part(s, l)
#endif
#ifndef __deref_out_bcount_part_opt
#define __deref_out_bcount_part_opt(s, l)
#endif
#ifndef __deref_out_ecount_part
#define __deref_out_ecount_part(s, l)
#endif
#ifndef __deref_out_ecount_part_opt
#define __deref_out_ecount_part_opt(s, l)
#endif
#ifndef __deref_inout_bcount_part
#define __deref_inout_bcount_part(s, l)
#endif
#ifndef __deref_inout_bcount_part_opt
#define __deref_inout_bcount_part_opt(s, l)
#endif
#ifndef __deref_inout_ecount_part
#define __deref_inout_ecount_part(s, l)
#endif
#ifndef __deref_inout_ecount_part_opt
#define __deref_inout_ecount_part_opt(s, l)
#endif
#ifndef __deref_opt_in_bcount_part
#define __deref_opt_in_bcount_part(s, l)
#endif
#ifndef __deref_opt_in_bcount_part_opt
#define __deref_opt_in_bcount_part_opt(s, l)
#endif
#ifndef __deref_opt_in_ecount_part
#define __deref_opt_in_ecount_part(s, l)
#endif
#ifndef __deref_opt_in_ecount_part_opt
#define __deref_opt_in_ecount_part_opt(s, l)
#endif
#ifndef __deref_opt_out_bcount_part
#define __deref_opt_out_bcount_part(s, l)
#endif
#ifndef __deref_opt_out_bcount_part_opt
#define __deref_opt_out_bcount_part_opt(s, l)
#endif
#ifndef __deref_opt_out_ecount_part
#define __deref_opt_out_ecount_part(s, l)
#endif
#ifndef __deref_opt_out_ecount_part_opt
#define __deref_opt_out_ecount_part_opt(s, l)
#endif
#ifndef __deref_opt_inout_bcount_part
#define __deref_opt_inout_bcount_part(s, l)
#endif
#ifndef __deref_opt_inout_bcount_part_opt
#define __deref_opt_inout_bcount_part_opt(s, l)
#endif
#ifndef __deref_opt_inout_ecount_part
#define __deref_opt_inout_ecount_part(s, l)
#endif
#ifndef __deref_opt_inout_ecount_part_opt
#define __deref_opt_inout_ecount_part_opt(s, l)
#endif
#ifndef __range
#define __range(s, l)
#endif
#ifndef __field_bcount_part
#define __field_bcount_part(s, l)
#endif
#ifndef __field_ecount_part
#define __field_ecount_part(s, l)
#endif
#ifndef __bcount_part
#define __bcount_part(s, l)
#endif
#ifndef __ecount_part
#define __ecount_part(s, l)
#endif
#ifndef __in_range
#define __in_range(s, l)
#endif
#ifndef __out_range
#define __out_range(s, l)
#endif
#ifndef __deref_in_range
#define __deref_in_range(s, l)
#endif
#ifndef __deref_out_range
#define __deref_out_range(s, l)
#endif
#endif

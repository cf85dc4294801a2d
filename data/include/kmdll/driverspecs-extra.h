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
#endif

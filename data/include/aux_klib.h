/*
 * <aux_klib.h> of the WDK (the Auxiliary Kernel-Mode Library), which mingw-w64 lacks: the
 * declarations of AuxKlibInitialize and AuxKlibQueryModuleInformation. kmdll builds the library
 * itself when TARGETLIBS names $(DDK_LIB_PATH)\aux_klib.lib (data/lib-src/aux_klib.c, on top of
 * ntoskrnl's RtlQueryModuleInformation). Layouts: aux_klib.h of the WDK 7.1 and 10.
 */
#ifndef KMDLL_AUX_KLIB_H
#define KMDLL_AUX_KLIB_H
#include <ntddk.h>
#ifdef __cplusplus
extern "C" {
#endif
#define AUX_KLIB_MODULE_PATH_LEN 256
typedef struct _AUX_MODULE_BASIC_INFO { PVOID ImageBase; } AUX_MODULE_BASIC_INFO, *PAUX_MODULE_BASIC_INFO;
typedef struct _AUX_MODULE_EXTENDED_INFO {
    AUX_MODULE_BASIC_INFO BasicInfo;
    ULONG ImageSize;
    USHORT FileNameOffset;
    UCHAR FullPathName[AUX_KLIB_MODULE_PATH_LEN];
} AUX_MODULE_EXTENDED_INFO, *PAUX_MODULE_EXTENDED_INFO;
NTSTATUS NTAPI AuxKlibInitialize(VOID);
NTSTATUS NTAPI AuxKlibQueryModuleInformation(PULONG BufferSize, ULONG ElementSize, PVOID QueryInfo);
#ifdef __cplusplus
}
#endif
#endif

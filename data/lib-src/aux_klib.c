/*
 * kmdll's stand-in for the WDK's aux_klib.lib (the Auxiliary Kernel-Mode Library), which
 * mingw-w64 does not ship: linked when TARGETLIBS names $(DDK_LIB_PATH)\aux_klib.lib.
 * AuxKlibQueryModuleInformation has the contract of ntoskrnl's RtlQueryModuleInformation
 * (Windows Vista and later; same parameters), which it calls; AuxKlibInitialize has nothing to
 * prepare on those systems. Semantics: the WDK documentation of both routines.
 */
#include <ntddk.h>
#include <aux_klib.h>

NTSYSAPI NTSTATUS NTAPI RtlQueryModuleInformation(PULONG InformationLength, ULONG SizePerModule, PVOID InformationBuffer);

NTSTATUS NTAPI AuxKlibInitialize(VOID)
{
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI AuxKlibQueryModuleInformation(PULONG BufferSize, ULONG ElementSize, PVOID QueryInfo)
{
    if (BufferSize == NULL) return STATUS_INVALID_PARAMETER;
    if (ElementSize != sizeof(AUX_MODULE_BASIC_INFO) && ElementSize != sizeof(AUX_MODULE_EXTENDED_INFO)) return STATUS_INVALID_PARAMETER_2;
    return RtlQueryModuleInformation(BufferSize, ElementSize, QueryInfo);
}

/*
 * EtwSetInformation, as TraceLogging registers a kernel provider (Realtek's NetAdapterCx
 * drivers, Surface drivers, coolstar's if_re.sys call it right after EtwRegister): the provider
 * traits (USHORT TotalSize, then the NUL-terminated provider name) and the descriptor-type switch.
 */
#include "qafresh7.h"

/* {6f2b1c3d-8e4a-4b5c-9d0e-1f2a3b4c5d6e} */
static const GUID PROVIDER = { 0x6f2b1c3d, 0x8e4a, 0x4b5c, { 0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e } };

/* Traits: TotalSize 10 = 2 + "QaSeven" + NUL. */
static UCHAR Traits[10] = { 10, 0, 'Q', 'a', 'S', 'e', 'v', 'e', 'n', 0 };
static UCHAR NoNul[6] = { 6, 0, 'Q', 'a', 'S', 'e' };

__declspec(dllexport) ULONG TestEtwSetInformation(void)
{
    ULONG failures = 0;
    REGHANDLE h = 0;
    BOOLEAN on = TRUE;
    CHECK(EtwRegister(&PROVIDER, NULL, NULL, &h) == STATUS_SUCCESS && h != 0);
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, Traits, sizeof(Traits)) == STATUS_SUCCESS);
    CHECK(EtwSetInformation(h, QA_EventProviderUseDescriptorType, &on, sizeof(on)) == STATUS_SUCCESS);
    CHECK(EtwSetInformation(h, QA_EventProviderBinaryTrackInfo, NULL, 0) == STATUS_SUCCESS);
    /* Invalid: NULL with a length, traits longer than the buffer or without their NUL, a wrong BOOLEAN size. */
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, NULL, 10) == STATUS_INVALID_PARAMETER);
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, Traits, 8) == STATUS_INVALID_PARAMETER);
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, NoNul, sizeof(NoNul)) == STATUS_INVALID_PARAMETER);
    CHECK(EtwSetInformation(h, QA_EventProviderUseDescriptorType, &on, 4) == STATUS_INVALID_PARAMETER);
    /* Not supported: the reserved class and classes past MaxEventInfo. */
    CHECK(EtwSetInformation(h, QA_EventProviderSetReserved1, NULL, 0) == STATUS_NOT_SUPPORTED);
    CHECK(EtwSetInformation(h, QA_MaxEventInfo + 20, NULL, 0) == STATUS_NOT_SUPPORTED);
    /* A handle EtwRegister did not return, or one unregistered: STATUS_INVALID_HANDLE. */
    CHECK(EtwSetInformation((REGHANDLE)0x7777, QA_EventProviderSetTraits, Traits, sizeof(Traits)) == STATUS_INVALID_HANDLE);
    CHECK(EtwUnregister(h) == STATUS_SUCCESS);
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, Traits, sizeof(Traits)) == STATUS_INVALID_HANDLE);
    return failures;
}

/*
 * qakmdf12: EtwSetInformation as TraceLogging providers call it right after EtwRegister (Surface
 * and Realtek drivers of the fresh7b set import it): provider traits — a USHORT with the blob's
 * whole size, then the provider's UTF-8 name — and the other EVENT_INFO_CLASS values, with the
 * checks Learn gives for the user-mode EventSetInformation. Declarations written here from
 * Microsoft Learn (wdm.h, evntprov.h): mingw-w64's wdm.h has no EtwSetInformation and its
 * EVENT_INFO_CLASS stops at the first value.
 */
#include "../include/apitest.h"

#define QA_EventProviderBinaryTrackInfo 0
#define QA_EventProviderSetReserved1 1
#define QA_EventProviderSetTraits 2
#define QA_EventProviderUseDescriptorType 3
#define QA_MaxEventInfo 4
NTKERNELAPI NTSTATUS NTAPI EtwSetInformation(REGHANDLE RegHandle, ULONG InformationClass, PVOID EventInformation, ULONG InformationLength);

static const GUID QaProviderGuid = { 0x2d1c3b4a, 0x5e6f, 0x4a7b, { 0x8c, 0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d } };
/* "QaKmdf12" traits: total size 2 + 9 = 11 bytes. */
static const UCHAR QaTraits[11] = { 11, 0, 'Q', 'a', 'K', 'm', 'd', 'f', '1', '2', 0 };

__declspec(dllexport) ULONG TestEtwSetInformation(void)
{
    ULONG failures = 0;
    REGHANDLE h = 0;
    UCHAR shortTraits[11];
    BOOLEAN useType = TRUE;

    CHECK(EtwRegister(&QaProviderGuid, NULL, NULL, &h) == STATUS_SUCCESS);
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, (PVOID)QaTraits, sizeof(QaTraits)) == STATUS_SUCCESS);
    CHECK(EtwSetInformation(h, QA_EventProviderBinaryTrackInfo, NULL, 0) == STATUS_SUCCESS);
    CHECK(EtwSetInformation(h, QA_EventProviderUseDescriptorType, &useType, sizeof(useType)) == STATUS_SUCCESS);
    /* The blob's size field must be the length passed. */
    RtlCopyMemory(shortTraits, QaTraits, sizeof(shortTraits));
    shortTraits[0] = 20;
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, shortTraits, sizeof(shortTraits)) == STATUS_INVALID_PARAMETER);
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, NULL, sizeof(QaTraits)) == STATUS_INVALID_PARAMETER);
    CHECK(EtwSetInformation(h, QA_EventProviderSetReserved1, NULL, 0) == STATUS_NOT_SUPPORTED);
    CHECK(EtwSetInformation(h, QA_MaxEventInfo, NULL, 0) == STATUS_NOT_SUPPORTED);
    CHECK(EtwUnregister(h) == STATUS_SUCCESS);
    /* Not a registration any more (kmdll's Etw* routines answer a stale handle so). */
    CHECK(EtwSetInformation(h, QA_EventProviderSetTraits, (PVOID)QaTraits, sizeof(QaTraits)) == STATUS_INVALID_HANDLE);
    return failures;
}

/*
 * apiplat.sys - routines of other kernel modules: BCrypt* from cng.sys, the WPP Inflight Trace
 * Recorder (WppRecorder.sys) as WPP-generated code calls it, FltDoCompletionProcessingWhenSafe.
 */
#include "apiplat.h"

int TestCng(void)
{
    static const UCHAR abcSha256[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
    int failures = 0;
    BCRYPT_ALG_HANDLE alg = NULL;
    BCRYPT_HASH_HANDLE hash = NULL;
    UCHAR digest[32];
    ULONG len = 0, got = 0;

    CHECK(BCryptOpenAlgorithmProvider(&alg, L"SHA256", NULL, 0) == STATUS_SUCCESS && alg != NULL);
    if (!alg) return failures;
    CHECK(BCryptGetProperty(alg, L"HashDigestLength", (PUCHAR)&len, sizeof(len), &got, 0) == STATUS_SUCCESS && len == 32 && got == sizeof(len));
    CHECK(BCryptCreateHash(alg, &hash, NULL, 0, NULL, 0, 0) == STATUS_SUCCESS);
    CHECK(BCryptHashData(hash, (PUCHAR)"abc", 3, 0) == STATUS_SUCCESS);
    CHECK(BCryptFinishHash(hash, digest, sizeof(digest), 0) == STATUS_SUCCESS);
    CHECK(RtlCompareMemory(digest, abcSha256, sizeof(digest)) == sizeof(digest));
    CHECK(BCryptDestroyHash(hash) == STATUS_SUCCESS);
    /* Not an algorithm identifier Windows knows. */
    CHECK(BCryptOpenAlgorithmProvider(&hash, L"NO-SUCH-ALGORITHM", NULL, 0) == STATUS_NOT_FOUND);
    CHECK(BCryptCloseAlgorithmProvider(alg, 0) == STATUS_SUCCESS);
    return failures;
}

int CngAes(void)
{
    BCRYPT_ALG_HANDLE alg = NULL;
    /* Windows provides AES; kmdll's CNG does not model symmetric ciphers: an emulator gap. */
    return (int)BCryptOpenAlgorithmProvider(&alg, L"AES", NULL, 0);
}

/* What WPP generates for a driver with one control GUID and the recorder enabled. */
typedef struct _PLAT_WPP_CB {
    PVOID Next;
    PDEVICE_OBJECT Device;
    ULONG FlagsLen;
    UCHAR Level;
    UCHAR ReservedFlags;
    USHORT Options;
    ULONG Flags[1];
    PVOID AutoLogContext;
    USHORT AutoLogVerboseEnabled;
    USHORT AutoLogAttachToMiniDump;
} PLAT_WPP_CB;

int TestWppRecorder(void)
{
    static GUID messageGuid = { 0x1b2c3d4e, 0x5f60, 0x7182, { 0x93, 0xa4, 0xb5, 0xc6, 0xd7, 0xe8, 0xf9, 0x0a } };
    int failures = 0;
    PLAT_WPP_CB cb;
    DRIVER_OBJECT driver;
    UNICODE_STRING path = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\apiplat");
    ULONG value = 42;

    RtlZeroMemory(&cb, sizeof(cb));
    RtlZeroMemory(&driver, sizeof(driver));
    WppAutoLogStart(&cb, &driver, &path);
    /* A message: (pointer, length) pairs ending with NULL. */
    CHECK(NT_SUCCESS(WppAutoLogTrace(cb.AutoLogContext, 4, 1, &messageGuid, 10, &value, sizeof(value), NULL)));
    WppAutoLogStop(&cb, &driver);
    return failures;
}

static ULONG SafeCalls;
static KEVENT SafeDone;

static ULONG NTAPI SafePost(PVOID Data, PVOID FltObjects, PVOID CompletionContext, ULONG Flags)
{
    UNREFERENCED_PARAMETER(Data);
    UNREFERENCED_PARAMETER(FltObjects);
    UNREFERENCED_PARAMETER(Flags);
    if (CompletionContext == &SafeCalls) SafeCalls++;
    KeSetEvent(&SafeDone, IO_NO_INCREMENT, FALSE);
    return 0; /* FLT_POSTOP_FINISHED_PROCESSING */
}

int TestFltCompletion(void)
{
    int failures = 0;
    ULONG data[64];
    ULONG status;
    KIRQL old;

    RtlZeroMemory(data, sizeof(data));
    KeInitializeEvent(&SafeDone, SynchronizationEvent, FALSE);
    /* A fast I/O operation cannot be posted: FALSE, nothing called, the status untouched. */
    data[0] = 0x2; /* FLTFL_CALLBACK_DATA_FAST_IO_OPERATION */
    status = 0xAAAA;
    CHECK(FltDoCompletionProcessingWhenSafe(data, NULL, &SafeCalls, 0, SafePost, &status) == FALSE);
    CHECK(status == 0xAAAA && SafeCalls == 0);
    /* An IRP operation at PASSIVE_LEVEL: the callback runs now, its result returned. */
    data[0] = 0x1; /* FLTFL_CALLBACK_DATA_IRP_OPERATION */
    CHECK(FltDoCompletionProcessingWhenSafe(data, NULL, &SafeCalls, 0, SafePost, &status) == TRUE);
    CHECK(status == 0 && SafeCalls == 1);
    /* At DISPATCH_LEVEL: posted to a worker, FLT_POSTOP_MORE_PROCESSING_REQUIRED. */
    KeClearEvent(&SafeDone); /* set by the call above */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK(FltDoCompletionProcessingWhenSafe(data, NULL, &SafeCalls, 0, SafePost, &status) == TRUE);
    KeLowerIrql(old);
    CHECK(status == 1 && SafeCalls == 1);
    /* The worker runs it at PASSIVE_LEVEL later (it would complete the pended operation). */
    CHECK(KeWaitForSingleObject(&SafeDone, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS && SafeCalls == 2);
    return failures;
}

/*
 * CNG through ksecdd.sys: random numbers (system-preferred RNG and an RNG provider) and SHA-256
 * of a known message, checked against FIPS 180-2's test vector for "abc".
 */
#include "qasystem.h"
#include <bcrypt.h>

int TestRandom(void)
{
    int failures = 0;
    UCHAR a[32], b[32];
    BCRYPT_ALG_HANDLE rng = NULL;
    int same = 1, zero = 1;
    ULONG i;
    RtlZeroMemory(a, sizeof(a));
    RtlZeroMemory(b, sizeof(b));
    CHECK(BCryptGenRandom(NULL, a, sizeof(a), BCRYPT_USE_SYSTEM_PREFERRED_RNG) == STATUS_SUCCESS);
    CHECK(BCryptGenRandom(NULL, b, sizeof(b), BCRYPT_USE_SYSTEM_PREFERRED_RNG) == STATUS_SUCCESS);
    for (i = 0; i < sizeof(a); i++) {
        if (a[i] != b[i]) same = 0;
        if (a[i] != 0) zero = 0;
    }
    CHECK(!same && !zero);
    /* Without the flag the handle must be an RNG provider. */
    CHECK(BCryptGenRandom(NULL, a, sizeof(a), 0) == STATUS_INVALID_HANDLE);
    CHECK(BCryptGenRandom(NULL, NULL, 4, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == STATUS_INVALID_PARAMETER);
    CHECK(BCryptOpenAlgorithmProvider(&rng, BCRYPT_RNG_ALGORITHM, NULL, 0) == STATUS_SUCCESS && rng != NULL);
    if (rng) {
        CHECK(BCryptGenRandom(rng, a, sizeof(a), 0) == STATUS_SUCCESS);
        CHECK(BCryptCloseAlgorithmProvider(rng, 0) == STATUS_SUCCESS);
    }
    CHECK(BCryptOpenAlgorithmProvider(&rng, L"NOSUCHALG", NULL, 0) == STATUS_NOT_FOUND);
    return failures;
}

int TestHash(void)
{
    static const UCHAR expect[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    int failures = 0;
    BCRYPT_ALG_HANDLE alg = NULL;
    BCRYPT_HASH_HANDLE hash = NULL;
    ULONG objectLength = 0, digestLength = 0, got = 0;
    PUCHAR object = NULL;
    UCHAR digest[32];
    CHECK(BCryptOpenAlgorithmProvider(&alg, BCRYPT_SHA256_ALGORITHM, NULL, 0) == STATUS_SUCCESS);
    if (!alg) return failures + 1;
    CHECK(BCryptGetProperty(alg, BCRYPT_OBJECT_LENGTH, NULL, 0, &got, 0) == STATUS_SUCCESS && got == sizeof(ULONG));
    CHECK(BCryptGetProperty(alg, BCRYPT_OBJECT_LENGTH, (PUCHAR)&objectLength, 2, &got, 0) == STATUS_BUFFER_TOO_SMALL);
    CHECK(BCryptGetProperty(alg, BCRYPT_OBJECT_LENGTH, (PUCHAR)&objectLength, sizeof(objectLength), &got, 0) == STATUS_SUCCESS && objectLength > 0);
    CHECK(BCryptGetProperty(alg, BCRYPT_HASH_LENGTH, (PUCHAR)&digestLength, sizeof(digestLength), &got, 0) == STATUS_SUCCESS && digestLength == 32);
    object = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, objectLength, QS_TAG);
    CHECK(object != NULL);
    if (object) {
        CHECK(BCryptCreateHash(alg, &hash, object, objectLength - 1, NULL, 0, 0) == STATUS_BUFFER_TOO_SMALL);
        CHECK(BCryptCreateHash(alg, &hash, object, objectLength, NULL, 0, 0) == STATUS_SUCCESS);
        CHECK(BCryptHashData(hash, (PUCHAR)"ab", 2, 0) == STATUS_SUCCESS);
        CHECK(BCryptHashData(hash, (PUCHAR)"c", 1, 0) == STATUS_SUCCESS);
        CHECK(BCryptFinishHash(hash, digest, 20, 0) == STATUS_INVALID_PARAMETER);
        CHECK(BCryptFinishHash(hash, digest, sizeof(digest), 0) == STATUS_SUCCESS);
        CHECK(RtlCompareMemory(digest, expect, sizeof(expect)) == sizeof(expect));
        CHECK(BCryptDestroyHash(hash) == STATUS_SUCCESS);
        ExFreePoolWithTag(object, QS_TAG);
    }
    /* The provider allocates the hash object itself when none is given. */
    hash = NULL;
    CHECK(BCryptCreateHash(alg, &hash, NULL, 0, NULL, 0, 0) == STATUS_SUCCESS && hash != NULL);
    if (hash) CHECK(BCryptDestroyHash(hash) == STATUS_SUCCESS);
    CHECK(BCryptDestroyHash((BCRYPT_HASH_HANDLE)alg) == STATUS_INVALID_HANDLE);
    CHECK(BCryptCloseAlgorithmProvider(alg, 0) == STATUS_SUCCESS);
    CHECK(BCryptCloseAlgorithmProvider(alg, 0) == STATUS_INVALID_HANDLE);
    return failures;
}

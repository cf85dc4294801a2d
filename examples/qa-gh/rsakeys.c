/*
 * CNG RSA keys made by the kernel, as tpm.sys makes one at start: BCryptGenerateKeyPair +
 * BCryptFinalizeKeyPair + BCryptExportKey(BCRYPT_RSAPUBLIC_BLOB). Round trips inside the driver
 * (sign/verify, OAEP and PKCS#1 encrypt/decrypt, private blob export/import); PrintRsaKey prints a
 * key and what it made so that the test checks them with another implementation (node:crypto).
 */
#include "qagh.h"
#include <bcrypt.h>

#ifndef STATUS_INVALID_SIGNATURE
#define STATUS_INVALID_SIGNATURE ((NTSTATUS)0xC000A000L)
#endif

static const UCHAR g_Hash[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const UCHAR g_Secret[] = "kmdll secret";

static BCRYPT_KEY_HANDLE NewKey(BCRYPT_ALG_HANDLE alg, ULONG bits)
{
    BCRYPT_KEY_HANDLE key = NULL;
    if (BCryptGenerateKeyPair(alg, &key, bits, 0) != STATUS_SUCCESS) return NULL;
    if (BCryptFinalizeKeyPair(key, 0) != STATUS_SUCCESS) {
        BCryptDestroyKey(key);
        return NULL;
    }
    return key;
}

int TestRsaKeys(void)
{
    int failures = 0;
    BCRYPT_ALG_HANDLE alg = NULL;
    BCRYPT_KEY_HANDLE key = NULL, pub = NULL, priv = NULL, unfinished = NULL;
    BCRYPT_PKCS1_PADDING_INFO pkcs1 = { BCRYPT_SHA256_ALGORITHM };
    BCRYPT_OAEP_PADDING_INFO oaep = { BCRYPT_SHA256_ALGORITHM, NULL, 0 };
    BCRYPT_PSS_PADDING_INFO pss = { BCRYPT_SHA256_ALGORITHM, 32 }, bigSalt = { BCRYPT_SHA256_ALGORITHM, 300 };
    BCRYPT_RSAKEY_BLOB *head;
    UCHAR blob[1024], sig[256], c[256], p[256];
    ULONG got = 0, size = 0;

    CHECK(BCryptOpenAlgorithmProvider(&alg, BCRYPT_RSA_ALGORITHM, NULL, 0) == STATUS_SUCCESS);
    if (!alg) return failures + 1;
    /* Key sizes: 512..16384 bits in steps of 64; flags must be 0. */
    CHECK(BCryptGenerateKeyPair(alg, &key, 500, 0) == STATUS_INVALID_PARAMETER);
    CHECK(BCryptGenerateKeyPair(alg, &key, 1000, 0) == STATUS_INVALID_PARAMETER);
    CHECK(BCryptGenerateKeyPair(alg, &key, 32768, 0) == STATUS_INVALID_PARAMETER);
    CHECK(BCryptGenerateKeyPair(alg, &key, 2048, 1) == STATUS_INVALID_PARAMETER);
    /* Not usable before BCryptFinalizeKeyPair. */
    CHECK(BCryptGenerateKeyPair(alg, &unfinished, 2048, 0) == STATUS_SUCCESS && unfinished != NULL);
    CHECK(BCryptExportKey(unfinished, NULL, BCRYPT_RSAPUBLIC_BLOB, NULL, 0, &got, 0) == STATUS_INVALID_HANDLE);
    CHECK(BCryptDestroyKey(unfinished) == STATUS_SUCCESS);

    /* tpm.sys's sequence: a 2048-bit key and its public blob (size asked first). */
    key = NewKey(alg, 2048);
    CHECK(key != NULL);
    if (!key) goto done;
    CHECK(BCryptFinalizeKeyPair(key, 0) == STATUS_INVALID_HANDLE);
    CHECK(BCryptExportKey(key, NULL, BCRYPT_RSAPUBLIC_BLOB, NULL, 0, &size, 0) == STATUS_SUCCESS);
    CHECK(size == sizeof(BCRYPT_RSAKEY_BLOB) + 3 + 256);
    CHECK(BCryptExportKey(key, NULL, BCRYPT_RSAPUBLIC_BLOB, blob, sizeof(blob), &got, 0) == STATUS_SUCCESS && got == size);
    head = (BCRYPT_RSAKEY_BLOB *)blob;
    CHECK(head->Magic == BCRYPT_RSAPUBLIC_MAGIC && head->BitLength == 2048 && head->cbPublicExp == 3 && head->cbModulus == 256);
    CHECK(head->cbPrime1 == 0 && head->cbPrime2 == 0);
    CHECK(blob[24] == 1 && blob[25] == 0 && blob[26] == 1);   /* e = 65537 */
    CHECK((blob[27] & 0x80) != 0);                             /* a full 2048-bit modulus */
    CHECK(BCryptImportKeyPair(alg, NULL, BCRYPT_RSAPUBLIC_BLOB, &pub, blob, got, 0) == STATUS_SUCCESS);

    /* Sign with the private key, verify with the public one. */
    CHECK(BCryptSignHash(key, &pkcs1, (PUCHAR)g_Hash, 32, NULL, 0, &got, BCRYPT_PAD_PKCS1) == STATUS_SUCCESS && got == 256);
    CHECK(BCryptSignHash(key, &pkcs1, (PUCHAR)g_Hash, 32, sig, sizeof(sig), &got, BCRYPT_PAD_PKCS1) == STATUS_SUCCESS && got == 256);
    /* PSS: a salt that does not fit the modulus, an input longer than the modulus. */
    CHECK(BCryptSignHash(key, &bigSalt, (PUCHAR)g_Hash, 32, sig, sizeof(sig), &got, BCRYPT_PAD_PSS) == STATUS_INVALID_PARAMETER);
    CHECK(BCryptEncrypt(key, blob, 257, NULL, NULL, 0, c, sizeof(c), &got, BCRYPT_PAD_NONE) == STATUS_INVALID_PARAMETER);
    if (pub) {
        CHECK(BCryptSignHash(key, &pss, (PUCHAR)g_Hash, 32, p, sizeof(p), &got, BCRYPT_PAD_PSS) == STATUS_SUCCESS && got == 256);
        CHECK(BCryptVerifySignature(pub, &pss, (PUCHAR)g_Hash, 32, p, 256, BCRYPT_PAD_PSS) == STATUS_SUCCESS);
        CHECK(BCryptVerifySignature(pub, &pkcs1, (PUCHAR)g_Hash, 32, sig, 256, BCRYPT_PAD_PKCS1) == STATUS_SUCCESS);
        sig[255] ^= 0x80;
        CHECK(BCryptVerifySignature(pub, &pkcs1, (PUCHAR)g_Hash, 32, sig, 256, BCRYPT_PAD_PKCS1) == STATUS_INVALID_SIGNATURE);
        CHECK(BCryptSignHash(pub, &pkcs1, (PUCHAR)g_Hash, 32, sig, sizeof(sig), &got, BCRYPT_PAD_PKCS1) == STATUS_INVALID_PARAMETER);
        /* OAEP: encrypted with the public key, decrypted with the private one. */
        CHECK(BCryptEncrypt(pub, (PUCHAR)g_Secret, sizeof(g_Secret), &oaep, NULL, 0, c, sizeof(c), &got, BCRYPT_PAD_OAEP) == STATUS_SUCCESS && got == 256);
        RtlZeroMemory(p, sizeof(p));
        CHECK(BCryptDecrypt(key, c, 256, &oaep, NULL, 0, p, sizeof(p), &got, BCRYPT_PAD_OAEP) == STATUS_SUCCESS && got == sizeof(g_Secret));
        CHECK(RtlCompareMemory(p, g_Secret, sizeof(g_Secret)) == sizeof(g_Secret));
        /* The same ciphertext with the wrong padding does not decrypt. */
        CHECK(BCryptDecrypt(key, c, 256, NULL, NULL, 0, p, sizeof(p), &got, BCRYPT_PAD_PKCS1) == STATUS_INVALID_PARAMETER);
        CHECK(BCryptDestroyKey(pub) == STATUS_SUCCESS);
    }

    /* The private key exported and imported again decrypts what the first one encrypted. */
    CHECK(BCryptExportKey(key, NULL, BCRYPT_RSAPRIVATE_BLOB, blob, sizeof(blob), &got, 0) == STATUS_SUCCESS);
    CHECK(head->Magic == BCRYPT_RSAPRIVATE_MAGIC && head->cbPrime1 == 128 && head->cbPrime2 == 128);
    CHECK(got == sizeof(BCRYPT_RSAKEY_BLOB) + 3 + 256 + 128 + 128);
    CHECK(BCryptImportKeyPair(alg, NULL, BCRYPT_RSAPRIVATE_BLOB, &priv, blob, got, 0) == STATUS_SUCCESS);
    CHECK(BCryptEncrypt(key, (PUCHAR)g_Secret, sizeof(g_Secret), NULL, NULL, 0, c, sizeof(c), &got, BCRYPT_PAD_PKCS1) == STATUS_SUCCESS);
    if (priv) {
        CHECK(BCryptDecrypt(priv, c, 256, NULL, NULL, 0, p, sizeof(p), &got, BCRYPT_PAD_PKCS1) == STATUS_SUCCESS && got == sizeof(g_Secret));
        CHECK(RtlCompareMemory(p, g_Secret, sizeof(g_Secret)) == sizeof(g_Secret));
        CHECK(BCryptDestroyKey(priv) == STATUS_SUCCESS);
    }
    CHECK(BCryptDestroyKey(key) == STATUS_SUCCESS);
done:
    CHECK(BCryptCloseAlgorithmProvider(alg, 0) == STATUS_SUCCESS);
    return failures;
}

static void PrintHex(const char *what, const UCHAR *b, ULONG n)
{
    char line[2 * 32 + 1];
    ULONG i, j;
    for (i = 0; i < n; i += 32) {
        for (j = 0; j < 32 && i + j < n; j++) {
            line[2 * j] = "0123456789abcdef"[b[i + j] >> 4];
            line[2 * j + 1] = "0123456789abcdef"[b[i + j] & 15];
        }
        line[2 * j] = 0;
        DbgPrint("qagh %s %s\n", what, line);
    }
}

/* A 1024-bit key's full private blob, a PKCS#1 v1.5 SHA-256 signature of g_Hash, and PKCS#1 and
 * OAEP (SHA-1) encryptions of g_Secret: the test checks each with node:crypto. */
int PrintRsaKey(void)
{
    BCRYPT_ALG_HANDLE alg = NULL;
    BCRYPT_KEY_HANDLE key;
    BCRYPT_PKCS1_PADDING_INFO pkcs1 = { BCRYPT_SHA256_ALGORITHM };
    BCRYPT_OAEP_PADDING_INFO oaep = { BCRYPT_SHA1_ALGORITHM, NULL, 0 };
    UCHAR blob[1024], out[128];
    ULONG got = 0;
    int failures = 0;

    if (BCryptOpenAlgorithmProvider(&alg, BCRYPT_RSA_ALGORITHM, NULL, 0) != STATUS_SUCCESS) return 1;
    key = NewKey(alg, 1024);
    if (!key) return 2;
    CHECK(BCryptExportKey(key, NULL, BCRYPT_RSAFULLPRIVATE_BLOB, blob, sizeof(blob), &got, 0) == STATUS_SUCCESS);
    PrintHex("blob", blob, got);
    CHECK(BCryptSignHash(key, &pkcs1, (PUCHAR)g_Hash, 32, out, sizeof(out), &got, BCRYPT_PAD_PKCS1) == STATUS_SUCCESS);
    PrintHex("sig", out, got);
    CHECK(BCryptEncrypt(key, (PUCHAR)g_Secret, sizeof(g_Secret) - 1, NULL, NULL, 0, out, sizeof(out), &got, BCRYPT_PAD_PKCS1) == STATUS_SUCCESS);
    PrintHex("pkcs1", out, got);
    CHECK(BCryptEncrypt(key, (PUCHAR)g_Secret, sizeof(g_Secret) - 1, &oaep, NULL, 0, out, sizeof(out), &got, BCRYPT_PAD_OAEP) == STATUS_SUCCESS);
    PrintHex("oaep", out, got);
    BCryptDestroyKey(key);
    BCryptCloseAlgorithmProvider(alg, 0);
    return failures;
}

/*
 * qakmdf12: a hardware random number generator's side of the system RNG (systemrng.h, Microsoft
 * Learn; mingw-w64 ships no such header: the declarations are written here from the reference
 * pages). An RNG driver registers a source, pushes samples (a push source) or registers a callback
 * the RNG pulls from (a pull source), and unregisters at unload.
 */
#pragma once
#include "../include/apitest.h"

typedef PVOID ENTROPY_SOURCE_HANDLE;
typedef enum {
    ENTROPY_SOURCE_TYPE_HIGH_PUSH,
    ENTROPY_SOURCE_TYPE_LOW_PUSH,
    ENTROPY_SOURCE_TYPE_HIGH_PULL
} ENTROPY_SOURCE_TYPE;
typedef NTSTATUS (NTAPI *PENTROPY_SOURCE_CALLBACK_FUNCTION)(ENTROPY_SOURCE_HANDLE hEntropySource, PVOID context);

__declspec(dllimport) NTSTATUS NTAPI EntropyRegisterSource(ENTROPY_SOURCE_HANDLE *phEntropySource, ENTROPY_SOURCE_TYPE entropySourceType, PCWSTR entropySourceName);
__declspec(dllimport) NTSTATUS NTAPI EntropyUnregisterSource(ENTROPY_SOURCE_HANDLE hEntropySource);
__declspec(dllimport) NTSTATUS NTAPI EntropyRegisterCallback(ENTROPY_SOURCE_HANDLE hEntropySource, PENTROPY_SOURCE_CALLBACK_FUNCTION pCallbackFunction, PVOID context);
__declspec(dllimport) NTSTATUS NTAPI EntropyProvideData(ENTROPY_SOURCE_HANDLE hEntropySource, const UCHAR *pbData, SIZE_T cbData, ULONG entropyEstimateInMilliBits);

/* rng.c: the device's sample reader and the pull callback. */
typedef struct _QA_RNG {
    ENTROPY_SOURCE_HANDLE Source;
    ULONG Pulls;
    UCHAR Sample[32];
} QA_RNG, *PQA_RNG;
VOID QaRngReadSample(PQA_RNG Rng);
NTSTATUS NTAPI QaRngPull(ENTROPY_SOURCE_HANDLE hEntropySource, PVOID context);

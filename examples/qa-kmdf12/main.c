/*
 * qakmdf12.sys — lessons from the WOA-Drivers ARM64 KMDF set, session 12 (/work/wt/qa-kmdf12.md).
 * Each Test* export returns the number of failed checks (apitest.h's CHECK prints each failure).
 */
#include "rng.h"

static QA_RNG LeftRng;
PDRIVER_OBJECT QaDriver;

/* A push source: register, hand the RNG a sample with its entropy estimate, unregister. */
__declspec(dllexport) ULONG TestEntropyPush(void)
{
    ULONG failures = 0;
    QA_RNG rng;
    RtlZeroMemory(&rng, sizeof(rng));
    CHECK(EntropyRegisterSource(&rng.Source, ENTROPY_SOURCE_TYPE_HIGH_PUSH, L"QaRngPush") == STATUS_SUCCESS);
    CHECK(rng.Source != NULL);
    QaRngReadSample(&rng);
    CHECK(EntropyProvideData(rng.Source, rng.Sample, sizeof(rng.Sample), 256 * 1000) == STATUS_SUCCESS);
    CHECK(EntropyProvideData(rng.Source, rng.Sample, 0, 0) == STATUS_SUCCESS);
    CHECK(EntropyUnregisterSource(rng.Source) == STATUS_SUCCESS);
    return failures;
}

/* A pull source: the RNG calls the callback when it wants entropy; kmdll's RNG never pulls. */
__declspec(dllexport) ULONG TestEntropyPull(void)
{
    ULONG failures = 0;
    QA_RNG rng;
    ENTROPY_SOURCE_HANDLE low = NULL;
    RtlZeroMemory(&rng, sizeof(rng));
    CHECK(EntropyRegisterSource(&rng.Source, ENTROPY_SOURCE_TYPE_HIGH_PULL, L"QaRngPull") == STATUS_SUCCESS);
    CHECK(EntropyRegisterCallback(rng.Source, QaRngPull, &rng) == STATUS_SUCCESS);
    /* Two sources are two handles. */
    CHECK(EntropyRegisterSource(&low, ENTROPY_SOURCE_TYPE_LOW_PUSH, L"QaRngLow") == STATUS_SUCCESS);
    CHECK(low != NULL && low != rng.Source);
    CHECK(EntropyUnregisterSource(low) == STATUS_SUCCESS);
    CHECK(EntropyUnregisterSource(rng.Source) == STATUS_SUCCESS);
    CHECK(rng.Pulls == 0);
    return failures;
}

/* What Learn leaves open, as kmdll answers it: no out pointer or an unknown type is
 * STATUS_INVALID_PARAMETER; a handle that is no registered source STATUS_INVALID_HANDLE. */
__declspec(dllexport) ULONG TestEntropyBadArguments(void)
{
    ULONG failures = 0;
    ENTROPY_SOURCE_HANDLE h = NULL;
    UCHAR byte = 0x5a;
    CHECK(EntropyRegisterSource(NULL, ENTROPY_SOURCE_TYPE_HIGH_PUSH, L"QaRngBad") == STATUS_INVALID_PARAMETER);
    CHECK(EntropyRegisterSource(&h, (ENTROPY_SOURCE_TYPE)3, L"QaRngBad") == STATUS_INVALID_PARAMETER);
    CHECK(h == NULL);
    CHECK(EntropyProvideData(NULL, &byte, 1, 8000) == STATUS_INVALID_HANDLE);
    CHECK(EntropyUnregisterSource(NULL) == STATUS_INVALID_HANDLE);
    CHECK(EntropyRegisterSource(&h, ENTROPY_SOURCE_TYPE_HIGH_PULL, L"QaRngBad") == STATUS_SUCCESS);
    CHECK(EntropyRegisterCallback(h, NULL, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(EntropyProvideData(h, NULL, 4, 0) == STATUS_INVALID_PARAMETER);
    CHECK(EntropyUnregisterSource(h) == STATUS_SUCCESS);
    /* Gone: the handle is no source any more. */
    CHECK(EntropyUnregisterSource(h) == STATUS_INVALID_HANDLE);
    CHECK(EntropyProvideData(h, &byte, 1, 8000) == STATUS_INVALID_HANDLE);
    CHECK(EntropyRegisterCallback(h, QaRngPull, NULL) == STATUS_INVALID_HANDLE);
    return failures;
}

/* A driver bug on purpose: the pull source stays registered with a callback in this image. */
__declspec(dllexport) ULONG LeavePullSourceRegistered(void)
{
    ULONG failures = 0;
    CHECK(EntropyRegisterSource(&LeftRng.Source, ENTROPY_SOURCE_TYPE_HIGH_PULL, L"QaRngLeft") == STATUS_SUCCESS);
    CHECK(EntropyRegisterCallback(LeftRng.Source, QaRngPull, &LeftRng) == STATUS_SUCCESS);
    return failures;
}

static DRIVER_UNLOAD Unload;
static VOID Unload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    QaDriver = DriverObject;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }

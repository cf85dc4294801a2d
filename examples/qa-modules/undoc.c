/*
 * The two modules whose routines Microsoft names but does not describe: cng.sys's entropy sources
 * (systemrng.h; a hardware RNG driver such as Qualcomm's qcRng* registers one, pushes samples and
 * unregisters at unload) and werkernel.sys's live kernel reports (Qualcomm's qccdi* import them
 * through the API set ext-ms-win-ntos-werkernel-l1-1-1; kmdll writes no live dump).
 */
#include "qamodules.h"

static NTSTATUS PullCallback(ENTROPY_SOURCE_HANDLE hEntropySource, PVOID context)
{
    UNREFERENCED_PARAMETER(hEntropySource);
    UNREFERENCED_PARAMETER(context);
    return STATUS_SUCCESS;
}

__declspec(dllexport) ULONG TestEntropySource(void)
{
    ULONG failures = 0;
    ENTROPY_SOURCE_HANDLE source = NULL, other = NULL;
    UCHAR sample[32];
    ULONG i;
    for (i = 0; i < sizeof(sample); i++)
        sample[i] = (UCHAR)(i * 37 + 11);
    CHECK(EntropyRegisterSource(&source, ENTROPY_SOURCE_TYPE_HIGH_PUSH, L"qamodules RNG") == STATUS_SUCCESS);
    CHECK(source != NULL);
    CHECK(EntropyProvideData(source, sample, sizeof(sample), sizeof(sample) * 8 * 1000) == STATUS_SUCCESS);
    CHECK(EntropyProvideData(source, sample, 0, 0) == STATUS_SUCCESS);
    CHECK(EntropyRegisterCallback(source, PullCallback, NULL) == STATUS_SUCCESS);
    /* Misuses: no handle out-pointer, no such source type, a NULL buffer with a size, a NULL callback. */
    CHECK(EntropyRegisterSource(NULL, ENTROPY_SOURCE_TYPE_HIGH_PUSH, L"x") == STATUS_INVALID_PARAMETER);
    CHECK(EntropyRegisterSource(&other, (ENTROPY_SOURCE_TYPE)7, L"x") == STATUS_INVALID_PARAMETER);
    CHECK(other == NULL);
    CHECK(EntropyProvideData(source, NULL, 4, 0) == STATUS_INVALID_PARAMETER);
    CHECK(EntropyRegisterCallback(source, NULL, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(EntropyUnregisterSource(source) == STATUS_SUCCESS);
    /* The handle is gone. */
    CHECK(EntropyProvideData(source, sample, sizeof(sample), 0) == STATUS_INVALID_HANDLE);
    CHECK(EntropyUnregisterSource(source) == STATUS_INVALID_HANDLE);
    return failures;
}

__declspec(dllexport) ULONG TestWerLiveKernel(void)
{
    ULONG failures = 0;
    UCHAR context[0x88];
    ULONG policy = 1;
    HANDLE report = (HANDLE)(ULONG_PTR)1, file = (HANDLE)(ULONG_PTR)1;
    RtlZeroMemory(context, sizeof(context));
    CHECK(WerLiveKernelCreateReport(context, &policy, &report) == STATUS_NOT_SUPPORTED);
    CHECK(report == NULL);
    CHECK(WerLiveKernelSubmitReport(report) == STATUS_INVALID_HANDLE);
    CHECK(WerLiveKernelCancelReport(report) == STATUS_INVALID_HANDLE);
    CHECK(WerLiveKernelOpenDumpFile(report, &file) == STATUS_INVALID_HANDLE);
    CHECK(file == NULL);
    CHECK(WerLiveKernelCloseHandle(report) == STATUS_INVALID_HANDLE);
    return failures;
}

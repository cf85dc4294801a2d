/*
 * The auxiliary counter (Intel's e1d/e1r/e1i network drivers convert it for PTP time stamps) and
 * SystemTimeOfDayInformation (Equation's GROK reads the boot time from it): both must agree with
 * KeQueryPerformanceCounter and KeQuerySystemTime.
 */
#include "qafresh7.h"

__declspec(dllexport) ULONG TestAuxiliaryCounter(void)
{
    ULONG failures = 0;
    ULONG64 freq = 0, aux = 0, qpc = 0, back = 0, err = 7;
    LARGE_INTEGER qpcFreq;
    LARGE_INTEGER now = KeQueryPerformanceCounter(&qpcFreq);
    CHECK(KeQueryAuxiliaryCounterFrequency(&freq) == STATUS_SUCCESS);
    CHECK(freq != 0);
    /* Now → aux → QPC again: the same value within the reported error. */
    CHECK(KeConvertPerformanceCounterToAuxiliaryCounter((ULONG64)now.QuadPart, &aux, &err) == STATUS_SUCCESS);
    CHECK(err == 0);
    CHECK(aux == (ULONG64)now.QuadPart / (ULONG64)qpcFreq.QuadPart * freq + ((ULONG64)now.QuadPart % (ULONG64)qpcFreq.QuadPart) * freq / (ULONG64)qpcFreq.QuadPart);
    CHECK(KeConvertAuxiliaryCounterToPerformanceCounter(aux, &back, &err) == STATUS_SUCCESS);
    CHECK(back == (ULONG64)now.QuadPart);
    CHECK(err <= 1000000000ULL / (ULONG64)qpcFreq.QuadPart);
    CHECK(KeConvertAuxiliaryCounterToPerformanceCounter(aux, &qpc, NULL) == STATUS_SUCCESS && qpc == back);
    /* Five seconds ahead is fine; more than ten seconds off is STATUS_INVALID_PARAMETER. */
    CHECK(KeConvertPerformanceCounterToAuxiliaryCounter((ULONG64)now.QuadPart + 5 * (ULONG64)qpcFreq.QuadPart, &aux, NULL) == STATUS_SUCCESS);
    CHECK(KeConvertPerformanceCounterToAuxiliaryCounter((ULONG64)now.QuadPart + 60 * (ULONG64)qpcFreq.QuadPart, &aux, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(KeConvertAuxiliaryCounterToPerformanceCounter(aux + 60 * freq, &qpc, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(KeConvertAuxiliaryCounterToPerformanceCounter(0xFFFFFFFFFFFFFFF0ULL, &qpc, NULL) == STATUS_INVALID_PARAMETER);
    return failures;
}

__declspec(dllexport) ULONG TestTimeOfDayInformation(void)
{
    ULONG failures = 0;
    QA_SYSTEM_TIMEOFDAY_INFORMATION tod;
    UCHAR big[64];
    LARGE_INTEGER before, after, uptime;
    ULONG got = 0;
    CHECK(sizeof(tod) == 48);
    RtlFillMemory(&tod, sizeof(tod), 0xCC);
    KeQuerySystemTime(&before);
    CHECK(ZwQuerySystemInformation(QA_SystemTimeOfDayInformation, &tod, sizeof(tod), &got) == STATUS_SUCCESS);
    KeQuerySystemTime(&after);
    CHECK(got == sizeof(tod));
    CHECK(tod.CurrentTime.QuadPart >= before.QuadPart && tod.CurrentTime.QuadPart <= after.QuadPart);
    /* Boot time + interrupt time is the system time (no clock change, no sleep). */
    uptime.QuadPart = (LONGLONG)KeQueryInterruptTime();
    CHECK(tod.BootTime.QuadPart > 0 && tod.BootTime.QuadPart <= tod.CurrentTime.QuadPart);
    CHECK(after.QuadPart - tod.BootTime.QuadPart <= uptime.QuadPart);
    CHECK(tod.BootTimeBias == 0 && tod.SleepTimeBias == 0 && tod.Reserved == 0);
    CHECK(tod.TimeZoneBias.QuadPart == 0);
    /* A shorter buffer gets its first bytes; a longer one is STATUS_INFO_LENGTH_MISMATCH. */
    RtlFillMemory(big, sizeof(big), 0xCC);
    CHECK(ZwQuerySystemInformation(QA_SystemTimeOfDayInformation, big, 32, &got) == STATUS_SUCCESS);
    CHECK(got == 32 && big[32] == 0xCC && *(LONGLONG *)big == tod.BootTime.QuadPart);
    CHECK(ZwQuerySystemInformation(QA_SystemTimeOfDayInformation, big, sizeof(big), &got) == STATUS_INFO_LENGTH_MISMATCH);
    return failures;
}

/* qakmdf12: the "hardware" (a counter standing for the RNG's sample register) and the pull callback. */
#include "rng.h"

VOID QaRngReadSample(PQA_RNG Rng)
{
    ULONG i;
    for (i = 0; i < sizeof(Rng->Sample); i++) Rng->Sample[i] = (UCHAR)(i * 37 + 11);
}

NTSTATUS NTAPI QaRngPull(ENTROPY_SOURCE_HANDLE hEntropySource, PVOID context)
{
    PQA_RNG rng = (PQA_RNG)context;
    rng->Pulls++;
    QaRngReadSample(rng);
    return EntropyProvideData(hEntropySource, rng->Sample, sizeof(rng->Sample), 8 * 1000 * (ULONG)sizeof(rng->Sample));
}

/*
 * apirank.sys — KeInitializeMutant: owned by the initializing thread (which may acquire it again
 * and releases it with KeReleaseMutex) or signalled; releasing it once more than it was acquired
 * is the bug check KeReleaseMutex gives a mutex that is not owned.
 */
#include "apirank.h"

static KMUTEX g_Mutant;

int TestMutant(void)
{
    int failures = 0;
    KMUTEX m;
    LARGE_INTEGER zero;

    zero.QuadPart = 0;
    KeInitializeMutant(&m, TRUE);
    CHECK(m.Header.Type == 2); /* KOBJECTS MutantObject (ReactOS ndk/ketypes.h) */
    CHECK(KeReadStateMutex(&m) == 0 && m.OwnerThread == KeGetCurrentThread());
    CHECK(KeWaitForSingleObject(&m, Executive, KernelMode, FALSE, &zero) == STATUS_SUCCESS); /* recursive */
    CHECK(KeReadStateMutex(&m) == -1);
    CHECK(KeReleaseMutex(&m, FALSE) == -1);
    CHECK(KeReleaseMutex(&m, FALSE) == 0);
    CHECK(KeReadStateMutex(&m) == 1 && m.OwnerThread == NULL);

    KeInitializeMutant(&m, FALSE);
    CHECK(KeReadStateMutex(&m) == 1 && m.OwnerThread == NULL);
    CHECK(KeWaitForSingleObject(&m, Executive, KernelMode, FALSE, &zero) == STATUS_SUCCESS);
    CHECK(KeReadStateMutex(&m) == 0 && m.OwnerThread == KeGetCurrentThread());
    CHECK(KeReleaseMutex(&m, FALSE) == 0);
    return failures;
}

int MutantReleasedTooOften(void)
{
    KeInitializeMutant(&g_Mutant, TRUE);
    KeReleaseMutex(&g_Mutant, FALSE);
    return (int)KeReleaseMutex(&g_Mutant, FALSE);
}

/*
 * FwpsInjectionHandleCreate0 with Flags 0 (Learn, fwpsk.h: a handle for transport, stream and
 * forward injection), as WinDivert 1.0's driver creates its injection handles.
 */
#include "qafresh7.h"

__declspec(dllexport) ULONG TestInjectionHandleFlagsZero(void)
{
    ULONG failures = 0;
    HANDLE v4 = NULL, v6 = NULL, bad = NULL;
    CHECK(FwpsInjectionHandleCreate0(QA_AF_INET, 0, &v4) == STATUS_SUCCESS && v4 != NULL);
    CHECK(FwpsInjectionHandleCreate0(QA_AF_INET6, 0, &v6) == STATUS_SUCCESS && v6 != NULL && v6 != v4);
    /* Still invalid: an unknown family, unknown flag bits, no output. */
    CHECK(FwpsInjectionHandleCreate0(99, 0, &bad) == STATUS_INVALID_PARAMETER);
    CHECK(FwpsInjectionHandleCreate0(QA_AF_INET, 0x100, &bad) == STATUS_INVALID_PARAMETER);
    CHECK(FwpsInjectionHandleCreate0(QA_AF_INET, 0, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(bad == NULL);
    if (v4) CHECK(FwpsInjectionHandleDestroy0(v4) == STATUS_SUCCESS);
    if (v6) CHECK(FwpsInjectionHandleDestroy0(v6) == STATUS_SUCCESS);
    return failures;
}

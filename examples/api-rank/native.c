/*
 * apirank.sys — ZwFlushInstructionCache and the Nt forms NtQueryInformationProcess and
 * NtWaitForSingleObject called from kernel mode (previous mode KernelMode: they act as the Zw
 * routines, Microsoft Learn "Using Nt and Zw Versions of the Native System Services Routines").
 */
#include "apirank.h"

static UCHAR g_Code[16];

int TestNative(void)
{
    int failures = 0;
    PROCESS_BASIC_INFORMATION pbi;
    ULONG len = 0;
    HANDLE ev = NULL;
    OBJECT_ATTRIBUTES oa;
    LARGE_INTEGER zero;

    /* The instruction cache of this process, of a range or of all of it. */
    CHECK(ZwFlushInstructionCache(NtCurrentProcess(), g_Code, sizeof(g_Code)) == STATUS_SUCCESS);
    CHECK(ZwFlushInstructionCache(NtCurrentProcess(), NULL, 0) == STATUS_SUCCESS);
    CHECK(ZwFlushInstructionCache((HANDLE)(ULONG_PTR)0x1234, NULL, 0) == STATUS_INVALID_HANDLE);
    CHECK(ZwFlushInstructionCache(NtCurrentThread(), NULL, 0) == STATUS_OBJECT_TYPE_MISMATCH);

    RtlZeroMemory(&pbi, sizeof(pbi));
    CHECK(NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &pbi, sizeof(pbi), &len) == STATUS_SUCCESS);
    CHECK(len == sizeof(pbi));
    CHECK(pbi.UniqueProcessId == (ULONG_PTR)PsGetCurrentProcessId());
    CHECK(NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &pbi, sizeof(pbi) - 1, &len) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(NtQueryInformationProcess((HANDLE)(ULONG_PTR)0x1234, ProcessBasicInformation, &pbi, sizeof(pbi), &len) == STATUS_INVALID_HANDLE);

    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwCreateEvent(&ev, EVENT_ALL_ACCESS, &oa, NotificationEvent, TRUE) == STATUS_SUCCESS);
    zero.QuadPart = 0;
    CHECK(NtWaitForSingleObject(ev, FALSE, &zero) == STATUS_SUCCESS);
    CHECK(ZwClearEvent(ev) == STATUS_SUCCESS);
    CHECK(NtWaitForSingleObject(ev, FALSE, &zero) == STATUS_TIMEOUT);
    CHECK(ZwClose(ev) == STATUS_SUCCESS);
    CHECK(NtWaitForSingleObject(ev, FALSE, &zero) == STATUS_INVALID_HANDLE);
    return failures;
}

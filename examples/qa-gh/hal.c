/*
 * What aswVmm.sys asks of the HAL and the kernel at start: HalDispatchTable->HalQuerySystemInformation
 * for HalPlatformTimerInformation (a 12-byte HAL_PLATFORM_TIMER_INFORMATION_V1), and the callback
 * object \Callback\PowerState, which Windows creates at boot (ExCreateCallback with Create FALSE
 * opens it).
 */
#include "qagh.h"

int TestHalQuery(void)
{
    int failures = 0;
    QG_PLATFORM_TIMER_INFORMATION info;
    ULONG returned = 0;
    NTSTATUS st;

    CHECK(HalDispatchTableVersion == HAL_DISPATCH_VERSION);
    RtlFillMemory(&info, sizeof(info), 0xCC);
    st = HalQuerySystemInformation((HAL_QUERY_INFORMATION_CLASS)QG_HalPlatformTimerInformation, sizeof(info), &info, &returned);
    CHECK(st == STATUS_SUCCESS);
    CHECK(returned == sizeof(info));
    CHECK(info.Version == 1);
    CHECK(info.ClockInterruptSource == QG_HalPlatformTimerApic);
    CHECK(info.PerformanceCounterSource == QG_HalPlatformTimerProcessorCounter);
    /* A buffer too small: the size needed, nothing written. */
    returned = 0;
    RtlFillMemory(&info, sizeof(info), 0xCC);
    st = HalQuerySystemInformation((HAL_QUERY_INFORMATION_CLASS)QG_HalPlatformTimerInformation, 8, &info, &returned);
    CHECK(st == STATUS_INFO_LENGTH_MISMATCH && returned == sizeof(info));
    CHECK(info.Version == 0xCCCCCCCC);
    return failures;
}

static ULONG g_PowerCalls;
static VOID NTAPI PowerStateChanged(PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    g_PowerCalls++;
}

int TestSystemCallbacks(void)
{
    static const PCWSTR names[] = { L"\\Callback\\PowerState", L"\\Callback\\SetSystemTime", L"\\Callback\\ProcessorAdd" };
    int failures = 0;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    PCALLBACK_OBJECT cb = NULL, again = NULL;
    PVOID reg1, reg2;
    ULONG i;

    for (i = 0; i < ARRAY_LEN(names); i++) {
        RtlInitUnicodeString(&name, names[i]);
        InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE, NULL, NULL);
        cb = NULL;
        CHECK(ExCreateCallback(&cb, &oa, FALSE, TRUE) == STATUS_SUCCESS && cb != NULL);
        if (i == 0 && cb) {
            /* The same object again; it takes several registrations. */
            CHECK(ExCreateCallback(&again, &oa, FALSE, TRUE) == STATUS_SUCCESS && again == cb);
            reg1 = ExRegisterCallback(cb, PowerStateChanged, NULL);
            reg2 = ExRegisterCallback(cb, PowerStateChanged, NULL);
            CHECK(reg1 != NULL && reg2 != NULL && reg1 != reg2);
            if (reg1) ExUnregisterCallback(reg1);
            if (reg2) ExUnregisterCallback(reg2);
            CHECK(g_PowerCalls == 0);
            if (again) ObDereferenceObject(again);
        }
        /* Each successful ExCreateCallback returned a reference. */
        if (cb) ObDereferenceObject(cb);
    }
    /* Unnamed callback objects are not permitted (Learn: STATUS_UNSUCCESSFUL). */
    InitializeObjectAttributes(&oa, NULL, OBJ_CASE_INSENSITIVE, NULL, NULL);
    CHECK(ExCreateCallback(&cb, &oa, TRUE, TRUE) == STATUS_UNSUCCESSFUL);
    /* A name nobody created is not found without Create. */
    RtlInitUnicodeString(&name, L"\\Callback\\QaGhNoSuchCallback");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    CHECK(ExCreateCallback(&cb, &oa, FALSE, TRUE) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}

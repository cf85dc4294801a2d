/*
 * A provider registered the way manifest-based and classic (WPP) tracing register it; no trace
 * session runs, so nothing is enabled and writes succeed having delivered nothing.
 */
#include "apietw.h"

/* {3c1b4f2e-6a0d-4e9b-9f1e-2d5c7a8b9e01} */
static const GUID PROVIDER = { 0x3c1b4f2e, 0x6a0d, 0x4e9b, { 0x9f, 0x1e, 0x2d, 0x5c, 0x7a, 0x8b, 0x9e, 0x01 } };
static int g_CallbackCalls;

static VOID NTAPI EnableCallback(LPCGUID SourceId, ULONG ControlCode, UCHAR Level, ULONGLONG MatchAnyKeyword, ULONGLONG MatchAllKeyword, PEVENT_FILTER_DESCRIPTOR FilterData, PVOID CallbackContext)
{
    UNREFERENCED_PARAMETER(SourceId);
    UNREFERENCED_PARAMETER(ControlCode);
    UNREFERENCED_PARAMETER(Level);
    UNREFERENCED_PARAMETER(MatchAnyKeyword);
    UNREFERENCED_PARAMETER(MatchAllKeyword);
    UNREFERENCED_PARAMETER(FilterData);
    UNREFERENCED_PARAMETER(CallbackContext);
    g_CallbackCalls++;
}

static VOID NTAPI ClassicCallback(LPCGUID Guid, UCHAR ControlCode, PVOID EnableContext, PVOID CallbackContext)
{
    UNREFERENCED_PARAMETER(Guid);
    UNREFERENCED_PARAMETER(ControlCode);
    UNREFERENCED_PARAMETER(EnableContext);
    UNREFERENCED_PARAMETER(CallbackContext);
    g_CallbackCalls++;
}

/* WmiTraceMessageVa through a variadic wrapper, as WPP's generated code calls it. */
static NTSTATUS TraceVa(ULONG64 logger, LPCGUID guid, ...)
{
    NTSTATUS status;
    va_list args;
    va_start(args, guid);
    status = WmiTraceMessageVa(logger, APIETW_TRACE_MESSAGE_GUID, guid, 12, args);
    va_end(args);
    return status;
}

int TestEtw(void)
{
    int failures = 0;
    REGHANDLE h = 0, classic = 0, other = 0;
    EVENT_DESCRIPTOR ev;
    EVENT_DATA_DESCRIPTOR data;
    ULONG value = 42;

    RtlZeroMemory(&ev, sizeof(ev));
    ev.Id = 7;
    ev.Level = 4; /* TRACE_LEVEL_INFORMATION */
    ev.Keyword = 0x1;
    CHECK(EtwRegister(&PROVIDER, EnableCallback, NULL, &h) == STATUS_SUCCESS && h != 0);
    CHECK(EtwRegister(&PROVIDER, NULL, NULL, &other) == STATUS_SUCCESS && other != 0 && other != h);
    CHECK(EtwRegister(NULL, NULL, NULL, &other) == STATUS_INVALID_PARAMETER);
    CHECK(EtwRegisterClassicProvider(&PROVIDER, 0, ClassicCallback, NULL, &classic) == STATUS_SUCCESS && classic != 0);
    /* No session: nothing enabled, no callback. */
    CHECK(g_CallbackCalls == 0);
    CHECK(EtwEventEnabled(h, &ev) == FALSE);
    CHECK(EtwProviderEnabled(h, 4, 0x1) == FALSE);
    data.Ptr = (ULONGLONG)(ULONG_PTR)&value;
    data.Size = sizeof(value);
    data.Reserved = 0;
    CHECK(EtwWrite(h, &ev, NULL, 1, &data) == STATUS_SUCCESS);
    CHECK(EtwWriteTransfer(h, &ev, NULL, NULL, 1, &data) == STATUS_SUCCESS);
    /* WPP messages: no software trace session exists, so no logger handle is valid. */
    CHECK(WmiTraceMessage(0, APIETW_TRACE_MESSAGE_GUID, &PROVIDER, 10, &value, sizeof(value), NULL, 0) == STATUS_INVALID_HANDLE);
    CHECK(WmiTraceMessage(0x0000000100000001ULL, APIETW_TRACE_MESSAGE_GUID | APIETW_TRACE_MESSAGE_SEQUENCE, &PROVIDER, 11, NULL, 0) == STATUS_INVALID_HANDLE);
    CHECK(TraceVa(h, &PROVIDER, &value, sizeof(value), NULL, 0) == STATUS_INVALID_HANDLE);
    CHECK(value == 42);
    CHECK(EtwWriteEx(h, &ev, 0, 0, NULL, NULL, 1, &data) == STATUS_SUCCESS);
    CHECK(EtwWriteString(h, 4, 0x1, NULL, L"apietw: hello") == STATUS_SUCCESS);
    /* TraceLogging's provider traits: a USHORT with the blob's size, then the UTF-8 name. */
    {
        static const UCHAR traits[9] = { 9, 0, 'a', 'p', 'i', 'e', 't', 'w', 0 };
        CHECK(EtwSetInformation(h, APIETW_EventProviderSetTraits, (PVOID)traits, sizeof(traits)) == STATUS_SUCCESS);
        CHECK(EtwSetInformation(h, APIETW_EventProviderSetTraits, (PVOID)traits, 4) == STATUS_INVALID_PARAMETER);
    }
    /* Unregistered handles are invalid. */
    CHECK(EtwUnregister(other) == STATUS_SUCCESS);
    CHECK(EtwUnregister(other) == STATUS_INVALID_HANDLE);
    CHECK(EtwWrite(other, &ev, NULL, 0, NULL) == STATUS_INVALID_HANDLE);
    CHECK(EtwUnregister(classic) == STATUS_SUCCESS);
    CHECK(EtwUnregister(h) == STATUS_SUCCESS);
    CHECK(g_CallbackCalls == 0);
    return failures;
}

int TestActivityId(void)
{
    int failures = 0;
    GUID a, b, zero, saved;
    RtlZeroMemory(&zero, sizeof(zero));
    CHECK(EtwActivityIdControl(EVENT_ACTIVITY_CTRL_GET_ID, &saved) == STATUS_SUCCESS);
    CHECK(EtwActivityIdControl(EVENT_ACTIVITY_CTRL_CREATE_ID, &a) == STATUS_SUCCESS);
    CHECK(EtwActivityIdControl(EVENT_ACTIVITY_CTRL_CREATE_ID, &b) == STATUS_SUCCESS);
    CHECK(!RtlEqualMemory(&a, &b, sizeof(GUID)) && !RtlEqualMemory(&a, &zero, sizeof(GUID)));
    /* SET then GET gives it back; GET_SET swaps. */
    CHECK(EtwActivityIdControl(EVENT_ACTIVITY_CTRL_SET_ID, &a) == STATUS_SUCCESS);
    RtlZeroMemory(&b, sizeof(b));
    CHECK(EtwActivityIdControl(EVENT_ACTIVITY_CTRL_GET_ID, &b) == STATUS_SUCCESS && RtlEqualMemory(&a, &b, sizeof(GUID)));
    b = saved;
    CHECK(EtwActivityIdControl(EVENT_ACTIVITY_CTRL_GET_SET_ID, &b) == STATUS_SUCCESS && RtlEqualMemory(&a, &b, sizeof(GUID)));
    CHECK(EtwActivityIdControl(EVENT_ACTIVITY_CTRL_GET_ID, &b) == STATUS_SUCCESS && RtlEqualMemory(&saved, &b, sizeof(GUID)));
    CHECK(EtwActivityIdControl(0, &a) == STATUS_INVALID_PARAMETER);
    CHECK(EtwActivityIdControl(6, &a) == STATUS_INVALID_PARAMETER);
    return failures;
}

/* A wild EVENT_DESCRIPTOR: EtwWrite reads it (a fault report). */
int WildEventDescriptor(void)
{
    REGHANDLE h = 0;
    EtwRegister(&PROVIDER, NULL, NULL, &h);
    return (int)EtwWrite(h, (PCEVENT_DESCRIPTOR)(ULONG_PTR)0xFFFFA000DEAD0000ULL, NULL, 0, NULL);
}

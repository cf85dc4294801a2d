/*
 * qakmdf12: the WPP Inflight Trace Recorder calls a driver built with WPP and IFR makes (Intel's
 * TEEDriverW10.sys, x86 and x64, among them), with the argument lists their code shows: every imp_
 * routine takes the driver's WPP control block first, then its documented macro's arguments;
 * WppAutoLogTrace is varargs (cdecl on x86), the others are NTAPI (stdcall on x86). On x86 a wrong
 * convention on either side unbalances the stack, which the checks after each call would notice.
 * The declarations are written here (mingw-w64 has no wpprecorder.h).
 */
#include "../include/apitest.h"

typedef enum { WppRecorderFalse = 0, WppRecorderTrue = 1, WppRecorderDefault = 2 } WPP_RECORDER_TRI_STATE;
typedef struct _RECORDER_CONFIGURE_PARAMS {
    ULONG Size;
    BOOLEAN CreateDefaultLog;
    WPP_RECORDER_TRI_STATE UseTimeStamp;
    WPP_RECORDER_TRI_STATE PreciseTimeStamp;
} RECORDER_CONFIGURE_PARAMS;

__declspec(dllimport) VOID NTAPI WppAutoLogStart(PVOID WppCb, PDRIVER_OBJECT DriverObject, PCUNICODE_STRING RegistryPath);
__declspec(dllimport) VOID NTAPI WppAutoLogStop(PVOID WppCb, PDRIVER_OBJECT DriverObject);
__declspec(dllimport) VOID __cdecl WppAutoLogTrace(PVOID AutoLogContext, UCHAR MessageLevel, ULONG MessageFlags, LPCGUID MessageGuid, USHORT MessageNumber, ...);
__declspec(dllimport) NTSTATUS NTAPI imp_WppRecorderConfigure(PVOID WppCb, RECORDER_CONFIGURE_PARAMS *ConfigureParams);
__declspec(dllimport) BOOLEAN NTAPI imp_WppRecorderIsDefaultLogAvailable(PVOID WppCb);
__declspec(dllimport) PVOID NTAPI imp_WppRecorderLogGetDefault(PVOID WppCb);

extern PDRIVER_OBJECT QaDriver;
/* Stands for the WPP_MAIN_CB control block WPP_INIT_TRACING passes (its contents are the recorder's). */
static UCHAR QaWppControlBlock[64];
static const GUID QaMessageGuid = { 0x6b1f3a52, 0x0c7e, 0x4d5b, { 0x9a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 } };

/* WPP_INIT_TRACING with the recorder, a configured default log, one message, WPP_CLEANUP. */
__declspec(dllexport) ULONG TestWppRecorderCalls(void)
{
    ULONG failures = 0, value = 42;
    volatile ULONG canary = 0x5a5aa5a5;
    UNICODE_STRING path = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\qakmdf12");
    RECORDER_CONFIGURE_PARAMS params;

    WppAutoLogStart(QaWppControlBlock, QaDriver, &path);
    /* No trace session runs: no default log. */
    CHECK(imp_WppRecorderIsDefaultLogAvailable(QaWppControlBlock) == FALSE);
    RtlZeroMemory(&params, sizeof(params));
    params.Size = sizeof(params);
    params.CreateDefaultLog = TRUE;
    params.UseTimeStamp = WppRecorderDefault;
    params.PreciseTimeStamp = WppRecorderDefault;
    CHECK(imp_WppRecorderConfigure(QaWppControlBlock, &params) == STATUS_SUCCESS);
    CHECK(imp_WppRecorderLogGetDefault(QaWppControlBlock) == NULL);
    WppAutoLogTrace(NULL, 4, 1, &QaMessageGuid, 10, &value, sizeof(value), NULL);
    WppAutoLogStop(QaWppControlBlock, QaDriver);
    CHECK(canary == 0x5a5aa5a5);
    return failures;
}

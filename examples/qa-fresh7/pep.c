/*
 * PoFxRegisterPlugin, as a platform extension plug-in registers from DriverEntry (AMD's
 * AmdMicroPEP.sys, Surface's ACPI platform extension, Qualcomm's qcppx): checked arguments, a
 * Plugin handle and the PoFx callbacks in the kernel information, no second registration.
 * Windows exports the PEP routines on x64 and arm64 only: the x86 build checks nothing.
 * Layouts from Learn (pepfx.h): PEP_INFORMATION, PEP_KERNEL_INFORMATION_STRUCT_V3.
 */
#include "qafresh7.h"

#ifdef _WIN64
#define QA_PEP_INFORMATION_V3 3
#define QA_PEP_KERNEL_INFORMATION_V3 3
#define QA_STATUS_INVALID_PEP_INFO_VERSION ((NTSTATUS)0xC000A005L)

typedef BOOLEAN (NTAPI *QA_PEPCALLBACKNOTIFYDPM)(ULONG Notification, PVOID Data);
typedef struct QA_PEP_INFORMATION {
    USHORT Version;
    USHORT Size;
    QA_PEPCALLBACKNOTIFYDPM AcceptDeviceNotification;
    PVOID AcceptProcessorNotification;
    PVOID AcceptAcpiNotification;
} QA_PEP_INFORMATION;
typedef VOID (NTAPI *QA_REQUESTWORKER)(PVOID Plugin);
typedef NTSTATUS (NTAPI *QA_REQUESTCOMMON)(ULONG RequestId, PVOID Data);
typedef struct QA_PEP_KERNEL_INFO {
    USHORT Version;
    USHORT Size;
    PVOID Plugin;
    QA_REQUESTWORKER RequestWorker;
    PVOID EnumerateUnmaskedInterrupts;
    PVOID ProcessorHalt;
    PVOID RequestInterrupt;
    PVOID TransitionCriticalResource;
    PVOID ProcessorIdleVeto;
    PVOID PlatformIdleVeto;
    PVOID UpdateProcessorIdleState;
    PVOID UpdatePlatformIdleState;
    QA_REQUESTCOMMON RequestCommon;
} QA_PEP_KERNEL_INFO;
NTKERNELAPI NTSTATUS NTAPI PoFxRegisterPlugin(QA_PEP_INFORMATION *PepInformation, QA_PEP_KERNEL_INFO *KernelInformation);

static BOOLEAN NTAPI AcceptDevice(ULONG Notification, PVOID Data)
{
    UNREFERENCED_PARAMETER(Notification);
    UNREFERENCED_PARAMETER(Data);
    return FALSE;
}

__declspec(dllexport) ULONG TestPepRegistration(void)
{
    ULONG failures = 0;
    QA_PEP_INFORMATION pep;
    QA_PEP_KERNEL_INFO kernel;
    RtlZeroMemory(&pep, sizeof(pep));
    RtlZeroMemory(&kernel, sizeof(kernel));
    pep.Version = QA_PEP_INFORMATION_V3;
    pep.Size = sizeof(pep);
    pep.AcceptDeviceNotification = AcceptDevice;
    kernel.Version = QA_PEP_KERNEL_INFORMATION_V3;
    kernel.Size = sizeof(kernel);
    CHECK(sizeof(pep) == 32 && sizeof(kernel) == 96);
    /* Invalid: the PEP_INFORMATION version, the kernel information version or size, no notification
     * callback at all (a processor-only PEP, device callback NULL, is accepted: Qualcomm qcppx8380.sys). */
    pep.Version = 2;
    CHECK(PoFxRegisterPlugin(&pep, &kernel) == QA_STATUS_INVALID_PEP_INFO_VERSION);
    pep.Version = QA_PEP_INFORMATION_V3;
    kernel.Version = 1;
    CHECK(PoFxRegisterPlugin(&pep, &kernel) == STATUS_INVALID_PARAMETER);
    kernel.Version = QA_PEP_KERNEL_INFORMATION_V3;
    kernel.Size = 16;
    CHECK(PoFxRegisterPlugin(&pep, &kernel) == STATUS_INVALID_PARAMETER);
    kernel.Size = sizeof(kernel);
    pep.AcceptDeviceNotification = NULL;
    CHECK(PoFxRegisterPlugin(&pep, &kernel) == STATUS_INVALID_PARAMETER);
    CHECK(kernel.Plugin == NULL && kernel.RequestWorker == NULL);
    /* Valid: a processor-only PEP (device callback NULL) gets a handle and the callbacks. */
    pep.AcceptProcessorNotification = (PVOID)AcceptDevice;
    CHECK(PoFxRegisterPlugin(&pep, &kernel) == STATUS_SUCCESS);
    CHECK(kernel.Plugin != NULL);
    CHECK(kernel.RequestWorker != NULL && kernel.EnumerateUnmaskedInterrupts != NULL && kernel.RequestCommon != NULL);
    CHECK(kernel.ProcessorHalt != NULL && kernel.UpdatePlatformIdleState != NULL);
    if (kernel.RequestWorker != NULL) kernel.RequestWorker(kernel.Plugin);
    if (kernel.RequestCommon != NULL) CHECK(kernel.RequestCommon(1, NULL) == STATUS_NOT_SUPPORTED);
    /* A PEP cannot register twice. */
    CHECK(PoFxRegisterPlugin(&pep, &kernel) == STATUS_INVALID_PARAMETER);
    return failures;
}
#else
__declspec(dllexport) ULONG TestPepRegistration(void)
{
    return 0;
}
#endif

/* kmdfclx: binds KMDF class extensions as their stub libraries do and calls their first DDIs. */
#define KMDFMIN_STUB
#include "kmdfclx.h"

static WDFDRIVER ClxDriver;
static UNICODE_STRING ClxRegistryPath;
static WCHAR ClxPathBuffer[260];

/* The client's copies of the class tables (the stub libraries' GpioClxExportedInterfaces, SpbFunctions). */
static WDFFUNC GpioClxExportedInterfaces[GpioExportLastExportIndex];
static WDFFUNC SpbFunctions[SpbFunctionTableNumEntries + 1];
static PWDF_DRIVER_GLOBALS SpbDriverGlobals;
static ULONG ClientBindCalls;

/* A record's ClientBindClass: the stub hands it the loader's routine, it binds through it. */
static NTSTATUS NTAPI ClxClientBind(PFN_WDF_VERSION_BIND_CLASS BindFunction, PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, PWDF_CLASS_BIND_INFO ClassBindInfo)
{
    ClientBindCalls++;
    return BindFunction(BindInfo, Globals, ClassBindInfo);
}

static VOID ClxInitBindInfo(WDF_CLASS_BIND_INFO *info, PWCHAR name, WDFFUNC *table, ULONG count, PVOID globals)
{
    RtlZeroMemory(info, sizeof(*info));
    info->Size = sizeof(*info);
    info->ClassName = name;
    info->Version.Major = 1;
    info->FunctionTable = table;
    info->FunctionTableCount = count;
    info->ClassBindInfo = globals;
}

/* The stub's loop: ClientBindClass when the record has one, else the loader directly. */
static NTSTATUS ClxBind(WDF_CLASS_BIND_INFO *info)
{
    if (info->ClientBindClass != NULL) return info->ClientBindClass(WdfVersionBindClass, &KmdllBindInfo, WdfDriverGlobals, info);
    return WdfVersionBindClass(&KmdllBindInfo, WdfDriverGlobals, info);
}

static WDF_CLASS_BIND_INFO GpioBindInfo;

ULONG TestGpioClx(VOID)
{
    GPIO_CLIENT_REGISTRATION_PACKET packet;
    PGPIO_CLX_REGISTER_CLIENT reg;
    PGPIO_CLX_UNREGISTER_CLIENT unreg;
    ULONG i;

    /* The GPIOClx spelling of the WOA drivers: the class name is matched without case. */
    ClxInitBindInfo(&GpioBindInfo, L"GPIOClx", GpioClxExportedInterfaces, GpioExportLastExportIndex, NULL);
    GpioBindInfo.ClientBindClass = ClxClientBind;
    if (ClxBind(&GpioBindInfo) != STATUS_SUCCESS || ClientBindCalls != 1) return 1;
    for (i = 0; i < GpioExportLastExportIndex; i++)
        if (GpioClxExportedInterfaces[i] == NULL || (i > 0 && GpioClxExportedInterfaces[i] == GpioClxExportedInterfaces[i - 1])) return 2;
    reg = (PGPIO_CLX_REGISTER_CLIENT)GpioClxExportedInterfaces[RegisterClientIndex];
    unreg = (PGPIO_CLX_UNREGISTER_CLIENT)GpioClxExportedInterfaces[UnregisterClientIndex];

    RtlZeroMemory(&packet, sizeof(packet));
    packet.Version = GPIO_CLIENT_VERSION;
    packet.Size = sizeof(packet);
    packet.ControllerContextSize = 64;
    if (reg(ClxDriver, NULL, &ClxRegistryPath) != STATUS_INVALID_PARAMETER) return 3;
    if (reg(NULL, &packet, &ClxRegistryPath) != STATUS_INVALID_PARAMETER) return 4;
    packet.Version = 0;
    if (reg(ClxDriver, &packet, &ClxRegistryPath) != STATUS_GPIO_VERSION_NOT_SUPPORTED) return 5;
    packet.Version = GPIO_CLIENT_VERSION;
    packet.Size = FIELD_OFFSET(GPIO_CLIENT_REGISTRATION_PACKET, QueryEnabledInterrupts);
    if (reg(ClxDriver, &packet, &ClxRegistryPath) != STATUS_GPIO_INVALID_REGISTRATION_PACKET) return 6;
    /* ... which is a whole version 1 packet. */
    packet.Version = 1;
    if (reg(ClxDriver, &packet, &ClxRegistryPath) != STATUS_SUCCESS) return 7;
    if (unreg(ClxDriver) != STATUS_SUCCESS) return 8;
    packet.Version = GPIO_CLIENT_VERSION;
    packet.Size = sizeof(packet);
    if (reg(ClxDriver, &packet, &ClxRegistryPath) != STATUS_SUCCESS) return 9;
    if (reg(ClxDriver, &packet, &ClxRegistryPath) != STATUS_GPIO_INVALID_REGISTRATION_PACKET) return 10;
    if (unreg(ClxDriver) != STATUS_SUCCESS) return 11;
    if (unreg(ClxDriver) != STATUS_INVALID_PARAMETER) return 12;
    if (unreg(NULL) != STATUS_INVALID_PARAMETER) return 13;
    WdfVersionUnbindClass(&KmdllBindInfo, WdfDriverGlobals, &GpioBindInfo);
    return 0;
}

ULONG TestSpbCx(VOID)
{
    WDF_CLASS_BIND_INFO info;
    PFN_SPBDEVICEINITCONFIG initConfig;

    /* More DDIs than SpbCx version 1 has: refused, nothing filled. */
    ClxInitBindInfo(&info, L"SpbCx", SpbFunctions, SpbFunctionTableNumEntries + 1, &SpbDriverGlobals);
    if (ClxBind(&info) != STATUS_INVALID_PARAMETER || SpbFunctions[0] != NULL || SpbDriverGlobals != NULL) return 1;
    ClxInitBindInfo(&info, L"SpbCx", SpbFunctions, SpbFunctionTableNumEntries, &SpbDriverGlobals);
    if (ClxBind(&info) != STATUS_SUCCESS) return 2;
    if (SpbDriverGlobals == NULL || SpbFunctions[SpbFunctionTableNumEntries - 1] == NULL || SpbFunctions[SpbFunctionTableNumEntries] != NULL) return 3;
    initConfig = (PFN_SPBDEVICEINITCONFIG)SpbFunctions[SpbDeviceInitConfigTableIndex];
    if (initConfig(SpbDriverGlobals, NULL) != STATUS_INVALID_PARAMETER) return 4;
    WdfVersionUnbindClass(&KmdllBindInfo, WdfDriverGlobals, &info);
    if (SpbDriverGlobals != NULL) return 5;
    return 0;
}

/* UcmCx and UcmTcpciCx, bound as their stubs do: one DDI more than the class has is refused with
 * nothing filled; the right count fills every slot and hands back the class globals, which
 * unbinding clears. `base` numbers the failed check per class. */
static WDFFUNC UcmFunctions[UcmFunctionTableNumEntries + 1];
static WDFFUNC UcmTcpciFunctions[UcmtcpciFunctionTableNumEntries + 1];
static PWDF_DRIVER_GLOBALS UcmDriverGlobals, UcmTcpciDriverGlobals;

static ULONG BindAndUnbind(PWCHAR name, WDFFUNC *table, ULONG count, PWDF_DRIVER_GLOBALS *globals, ULONG base)
{
    WDF_CLASS_BIND_INFO info;
    ClxInitBindInfo(&info, name, table, count + 1, globals);
    if (ClxBind(&info) != STATUS_INVALID_PARAMETER || table[0] != NULL || *globals != NULL) return base + 1;
    ClxInitBindInfo(&info, name, table, count, globals);
    if (ClxBind(&info) != STATUS_SUCCESS) return base + 2;
    if (*globals == NULL || table[0] == NULL || table[count - 1] == NULL || table[count] != NULL) return base + 3;
    WdfVersionUnbindClass(&KmdllBindInfo, WdfDriverGlobals, &info);
    if (*globals != NULL) return base + 4;
    return 0;
}

ULONG TestUcmClasses(VOID)
{
    ULONG r = BindAndUnbind(L"UcmCx", UcmFunctions, UcmFunctionTableNumEntries, &UcmDriverGlobals, 0);
    if (r != 0) return r;
    return BindAndUnbind(L"UcmTcpciCx", UcmTcpciFunctions, UcmtcpciFunctionTableNumEntries, &UcmTcpciDriverGlobals, 10);
}

/* UcmInitializeDevice with a handle that is no WDFDEVICE: a WDF_VIOLATION, as the framework's DDIs. */
VOID BadUcmDevice(VOID)
{
    WDF_CLASS_BIND_INFO info;
    UCM_MANAGER_CONFIG config;
    ClxInitBindInfo(&info, L"UcmCx", UcmFunctions, UcmFunctionTableNumEntries, &UcmDriverGlobals);
    if (ClxBind(&info) != STATUS_SUCCESS) return;
    config.Size = sizeof(config);
    ((PFN_UCMINITIALIZEDEVICE)UcmFunctions[UcmInitializeDeviceTableIndex])(UcmDriverGlobals, (WDFDEVICE)(ULONG_PTR)0x1234, &config);
}

ULONG TestUnknownClass(VOID)
{
    WDF_CLASS_BIND_INFO info;
    WDFFUNC table[4];

    RtlZeroMemory(table, sizeof(table));
    ClxInitBindInfo(&info, L"NoSuchCx", table, 4, NULL);
    if (ClxBind(&info) != STATUS_OBJECT_NAME_NOT_FOUND || table[0] != NULL) return 1;
    /* The stub's cleanup unbinds the refused record too (no warning for it). */
    WdfVersionUnbindClass(&KmdllBindInfo, WdfDriverGlobals, &info);
    ClxInitBindInfo(&info, L"GpioClx", table, 4, NULL);
    info.Size = sizeof(info) - sizeof(PVOID);
    if (ClxBind(&info) != STATUS_INVALID_PARAMETER || table[0] != NULL) return 2;
    info.Size = sizeof(info);
    if (WdfVersionBindClass(&KmdllBindInfo, WdfDriverGlobals, NULL) != STATUS_INVALID_PARAMETER) return 3;
    return 0;
}

/* GpioClx's interrupt lock is not emulated: calling it is an emulator gap report. */
VOID BadInterruptLock(VOID)
{
    WDF_CLASS_BIND_INFO info;
    ClxInitBindInfo(&info, L"GpioClx", GpioClxExportedInterfaces, GpioExportLastExportIndex, NULL);
    if (ClxBind(&info) != STATUS_SUCCESS) return;
    ((PGPIO_CLX_ACQUIRE_INTERRUPT_LOCK)GpioClxExportedInterfaces[AcquireInterruptLockIndex])(NULL, 0);
}

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS DllUnload(VOID) { return STATUS_SUCCESS; }

static DRIVER_UNLOAD ClxUnload;
static PDRIVER_UNLOAD FrameworkUnload;
static VOID ClxUnload(PDRIVER_OBJECT DriverObject)
{
    if (FrameworkUnload != NULL) FrameworkUnload(DriverObject);
    KmdllWdfUnbind(&ClxRegistryPath);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    NTSTATUS status;

    status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;
    ClxRegistryPath.Buffer = ClxPathBuffer;
    ClxRegistryPath.MaximumLength = sizeof(ClxPathBuffer);
    RtlCopyUnicodeString(&ClxRegistryPath, RegistryPath);
    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNonPnpDriver;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &ClxDriver);
    if (!NT_SUCCESS(status)) {
        KmdllWdfUnbind(RegistryPath);
        return status;
    }
    FrameworkUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = ClxUnload;
    DbgPrint("kmdfclx: loaded\n");
    return STATUS_SUCCESS;
}

/*
 * kmdfclx.h: what a KMDF client of a class extension sees, written for kmdll's examples from the
 * public descriptions: WDF_CLASS_VERSION / WDF_CLASS_BIND_INFO and WdfVersionBindClass /
 * WdfVersionUnbindClass (the WDK's wdfldr.h; the loader side in fxldr.h of
 * microsoft/Windows-Driver-Frameworks), GpioClx's export table order and
 * GPIO_CLIENT_REGISTRATION_PACKET (gpioclx.h, Learn "GPIO_CLIENT_REGISTRATION_PACKET structure"),
 * SpbCx's table order (spbcx.h, SPBFUNCENUM). Include after kmdfmin.h.
 */
#ifndef KMDFCLX_H
#define KMDFCLX_H
#include "kmdfmin.h"

typedef struct _WDF_CLASS_VERSION {
    ULONG Major;
    ULONG Minor;
    ULONG Build;
} WDF_CLASS_VERSION;

typedef struct _WDF_CLASS_BIND_INFO *PWDF_CLASS_BIND_INFO;
typedef NTSTATUS (NTAPI *PFN_WDF_VERSION_BIND_CLASS)(PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, PWDF_CLASS_BIND_INFO ClassBindInfo);
typedef VOID (NTAPI *PFN_WDF_VERSION_UNBIND_CLASS)(PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, PWDF_CLASS_BIND_INFO ClassBindInfo);
typedef NTSTATUS (NTAPI *PFN_CLIENT_BIND_CLASS)(PFN_WDF_VERSION_BIND_CLASS BindFunction, PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, PWDF_CLASS_BIND_INFO ClassBindInfo);
typedef VOID (NTAPI *PFN_CLIENT_UNBIND_CLASS)(PFN_WDF_VERSION_UNBIND_CLASS UnbindFunction, PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, PWDF_CLASS_BIND_INFO ClassBindInfo);

typedef struct _WDF_CLASS_BIND_INFO {
    ULONG Size;
    PWCHAR ClassName;
    WDF_CLASS_VERSION Version;
    WDFFUNC *FunctionTable;
    ULONG FunctionTableCount;
    PVOID ClassBindInfo;
    PFN_CLIENT_BIND_CLASS ClientBindClass;
    PFN_CLIENT_UNBIND_CLASS ClientUnbindClass;
    PVOID ClassModule;
} WDF_CLASS_BIND_INFO;

NTSTATUS NTAPI WdfVersionBindClass(PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, PWDF_CLASS_BIND_INFO ClassBindInfo);
VOID NTAPI WdfVersionUnbindClass(PWDF_BIND_INFO BindInfo, PWDF_DRIVER_GLOBALS Globals, PWDF_CLASS_BIND_INFO ClassBindInfo);

/* GpioClx (gpioclx.h): GPIO_CLX_EXPORT_INDEX; its DDIs take no globals. */
enum { RegisterClientIndex, UnregisterClientIndex, AddDevicePreDeviceCreateIndex, AddDevicePostDeviceCreateIndex, AcquireInterruptLockIndex, ReleaseInterruptLockIndex, GpioExportLastExportIndex };
#define GPIO_CLIENT_VERSION 3
typedef struct _GPIO_CLIENT_REGISTRATION_PACKET {
    USHORT Version;
    USHORT Size;
    ULONG Flags;
    ULONG ControllerContextSize;
    ULONG64 Reserved;
    PVOID Callbacks[21];            /* CLIENT_PrepareController .. CLIENT_ReconfigureInterrupt (version 1) */
    PVOID QueryEnabledInterrupts;   /* version 2 */
    PVOID ConnectFunctionConfigPins;    /* version 3 */
    PVOID DisconnectFunctionConfigPins;
} GPIO_CLIENT_REGISTRATION_PACKET, *PGPIO_CLIENT_REGISTRATION_PACKET;
typedef NTSTATUS (NTAPI *PGPIO_CLX_REGISTER_CLIENT)(WDFDRIVER Driver, PGPIO_CLIENT_REGISTRATION_PACKET Packet, PUNICODE_STRING RegistryPath);
typedef NTSTATUS (NTAPI *PGPIO_CLX_UNREGISTER_CLIENT)(WDFDRIVER Driver);
typedef VOID (NTAPI *PGPIO_CLX_ACQUIRE_INTERRUPT_LOCK)(PVOID Context, USHORT BankId);
#define STATUS_GPIO_VERSION_NOT_SUPPORTED ((NTSTATUS)0xC000A123L)
#define STATUS_GPIO_INVALID_REGISTRATION_PACKET ((NTSTATUS)0xC000A124L)

/* SpbCx (spbcx.h): SPBFUNCENUM has 13 entries; its DDIs take SpbDriverGlobals first. */
#define SpbDeviceInitConfigTableIndex 0
#define SpbFunctionTableNumEntries 13
typedef NTSTATUS (NTAPI *PFN_SPBDEVICEINITCONFIG)(PWDF_DRIVER_GLOBALS Globals, PWDFDEVICE_INIT DeviceInit);

/* The USB Type-C connector manager classes: UcmCx (ucmfuncenum.h, UcmFunctionTableNumEntries 11)
 * and UcmTcpciCx (ucmtcpcifuncenum.h, UcmtcpciFunctionTableNumEntries 7); their DDIs take the
 * class globals first. */
#define UcmFunctionTableNumEntries 11
#define UcmtcpciFunctionTableNumEntries 7
#define UcmInitializeDeviceTableIndex 0
typedef struct _UCM_MANAGER_CONFIG { ULONG Size; } UCM_MANAGER_CONFIG;
typedef NTSTATUS (NTAPI *PFN_UCMINITIALIZEDEVICE)(PWDF_DRIVER_GLOBALS Globals, WDFDEVICE Device, UCM_MANAGER_CONFIG *Config);
#endif

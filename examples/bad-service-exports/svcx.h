/*
 * svcx.h — shared declarations of bad-service-exports.sys: a standard driver (it creates a
 * device in DriverEntry and serves IRPs) that also exports routines other drivers link against,
 * without DllInitialize/DllUnload — the pattern of VirtualBox's VBoxDrv.sys. It works when its
 * service starts before its importers; kmdll check warns (missing-dllinitialize/-dllunload).
 */
#pragma once
#include <ntddk.h>

#define SVCX_DEVICE_NAME L"\\Device\\SvcX"

typedef struct _SVCX_STATE {
    PDEVICE_OBJECT Device;
    LONG OpenCount;
} SVCX_STATE, *PSVCX_STATE;

extern SVCX_STATE g_SvcX;

/* Exported to other drivers (svcx.def). */
ULONG NTAPI SvcXVersion(void);
LONG NTAPI SvcXOpenCount(void);

DRIVER_DISPATCH SvcXCreateClose;

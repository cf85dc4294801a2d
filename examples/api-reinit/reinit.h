/* apireinit.sys — shared declarations of the reinitialization example. */
#pragma once
#include <ntddk.h>

/* What the service key's REG_DWORD "Mode" asks DriverEntry to do. */
typedef enum _REINIT_MODE {
    ModeNormal = 0,         /* register both routines; the driver one asks to run three times */
    ModeNullDriver = 1,     /* IoRegisterDriverReinitialization(NULL, ...): the kernel crashes */
    ModeForever = 2         /* a routine that registers itself again on every call */
} REINIT_MODE;

ULONG ReadMode(PUNICODE_STRING RegistryPath);

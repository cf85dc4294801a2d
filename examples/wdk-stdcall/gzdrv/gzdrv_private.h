#ifndef GZDRV_PRIVATE_H
#define GZDRV_PRIVATE_H
#include <ntddk.h>
#include <gzcommon.h>

/*
 * The dispatch routines, declared by their WDK callback types (which carry no NTAPI in the WDK's
 * wdm.h: the x86 build's /Gz makes them stdcall). gzdispatch.c defines them without including
 * this header, as OpenXT's xenevtchn defines XenevtchnDispatchPower in power.c: the definitions
 * are stdcall only because the whole build is.
 */
DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GzUnload;
DRIVER_DISPATCH GzDispatchCreateClose;
DRIVER_DISPATCH GzDispatchIoctl;
#endif

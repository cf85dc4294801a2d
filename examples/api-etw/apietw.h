/*
 * apietw.sys — shared declarations. Each Test* export checks its results in C and returns the
 * number of failed checks; Wild* passes a bad pointer on purpose.
 *
 * EtwRegisterClassicProvider is declared from Microsoft Learn (wdm.h); the rest comes from
 * mingw-w64's wdm.h and evntprov.h.
 */
#pragma once
#include <ntddk.h>
#include "../include/apitest.h"

/* mingw-w64's wdm.h (with evntprov.h) declares EtwRegister, EtwWrite and the rest; not the classic
 * provider registration: */
typedef VOID (NTAPI *PETW_CLASSIC_CALLBACK)(LPCGUID Guid, UCHAR ControlCode, PVOID EnableContext, PVOID CallbackContext);
NTKERNELAPI NTSTATUS NTAPI EtwRegisterClassicProvider(LPCGUID ProviderGuid, ULONG Type, PETW_CLASSIC_CALLBACK EnableCallback, PVOID CallbackContext, PREGHANDLE RegHandle);

/* EtwSetInformation (wdm.h, Learn); mingw-w64's EVENT_INFO_CLASS stops at its first value.
 * EventProviderSetTraits = 2 (evntprov.h). Fuller checks: examples/qa-kmdf12/etw.c. */
NTKERNELAPI NTSTATUS NTAPI EtwSetInformation(REGHANDLE RegHandle, ULONG InformationClass, PVOID EventInformation, ULONG InformationLength);
#define APIETW_EventProviderSetTraits 2

/* WPP's message routines (wdm.h; mingw-w64 declares WmiTraceMessage only under RUN_WPP and
 * WmiTraceMessageVa not at all). TRACE_MESSAGE_* from evntrace.h. */
NTKERNELAPI NTSTATUS __cdecl WmiTraceMessage(ULONG64 LoggerHandle, ULONG MessageFlags, LPCGUID MessageGuid, USHORT MessageNumber, ...);
NTKERNELAPI NTSTATUS NTAPI WmiTraceMessageVa(ULONG64 LoggerHandle, ULONG MessageFlags, LPCGUID MessageGuid, USHORT MessageNumber, va_list MessageArgList);
#define APIETW_TRACE_MESSAGE_SEQUENCE 1
#define APIETW_TRACE_MESSAGE_GUID 2

/* wdm.h declares IoWMIOpenBlock / IoWMIQueryAllData in mingw-w64 too; WMIGUID_QUERY is 1. */
#ifndef WMIGUID_QUERY
#define WMIGUID_QUERY 0x0001
#endif
#ifndef STATUS_WMI_GUID_NOT_FOUND
#define STATUS_WMI_GUID_NOT_FOUND ((NTSTATUS)0xC0000295L)
#endif

int TestEtw(void);
int TestActivityId(void);
int TestWmi(void);
int WildEventDescriptor(void);

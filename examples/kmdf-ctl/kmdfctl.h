/* kmdfctl: shared declarations of the KMDF control-device example. */
#ifndef KMDFCTL_H
#define KMDFCTL_H
#include "kmdfmin.h"

#define KMDFCTL_DEVICE L"\\Device\\KmdfCtl"
#define KMDFCTL_LINK L"\\DosDevices\\KmdfCtl"
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS): reverse the input bytes. */
#define IOCTL_KMDFCTL_REVERSE 0x00222000
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS): count of requests so far (ULONG). */
#define IOCTL_KMDFCTL_COUNT 0x00222004
/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS): the file object counters (KMDFCTL_FILES). */
#define IOCTL_KMDFCTL_FILES 0x0022200C

typedef struct _DEVICE_CONTEXT {
    ULONG Requests;
    ULONG Creates;    /* EvtDeviceFileCreate calls */
    ULONG Cleanups;   /* EvtFileCleanup calls */
    ULONG Closes;     /* EvtFileClose calls */
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;
/* Each open's WDFFILEOBJECT context: its sequence number. */
typedef struct _FILE_CONTEXT {
    ULONG Sequence;
} FILE_CONTEXT, *PFILE_CONTEXT;
/* IOCTL_KMDFCTL_FILES output: the counters, and the sequence number of the open the request came through. */
typedef struct _KMDFCTL_FILES {
    ULONG Creates;
    ULONG Cleanups;
    ULONG Closes;
    ULONG Sequence;
} KMDFCTL_FILES;
extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfCtlContextType;
extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfCtlFileContextType;
VOID KmdfCtlSetFileCallbacks(PWDFDEVICE_INIT Init);
extern WDFDEVICE KmdfCtlDevice;

NTSTATUS KmdfCtlCreateQueue(WDFDEVICE Device);
#endif

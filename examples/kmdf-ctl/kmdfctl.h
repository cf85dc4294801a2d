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

typedef struct _DEVICE_CONTEXT {
    ULONG Requests;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;
extern const WDF_OBJECT_CONTEXT_TYPE_INFO KmdfCtlContextType;
extern WDFDEVICE KmdfCtlDevice;

NTSTATUS KmdfCtlCreateQueue(WDFDEVICE Device);
#endif

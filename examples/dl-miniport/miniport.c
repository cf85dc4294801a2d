/*
 * miniport.sys — a standard driver that imports PortInitialize from portlib.sys and lets the
 * port driver own its dispatch table. Its only device-specific code is the IOCTL callback.
 */
#include <ntddk.h>
#include "../include/portlib.h"

static NTSTATUS MiniportHandleIoctl(ULONG IoControlCode, PVOID Buffer, ULONG InputLength,
                                    ULONG OutputLength, PULONG BytesReturned)
{
    PUCHAR bytes = (PUCHAR)Buffer;
    ULONG i;

    if (IoControlCode != IOCTL_MINIPORT_REVERSE)
        return STATUS_INVALID_DEVICE_REQUEST;
    if (OutputLength < InputLength)
        return STATUS_BUFFER_TOO_SMALL;
    for (i = 0; i < InputLength / 2; i++) {
        UCHAR t = bytes[i];
        bytes[i] = bytes[InputLength - 1 - i];
        bytes[InputLength - 1 - i] = t;
    }
    *BytesReturned = InputLength;
    DbgPrint("miniport: reversed %u bytes\n", InputLength);
    return STATUS_SUCCESS;
}

static const PORT_MINIPORT_CALLBACKS g_Callbacks = { sizeof(PORT_MINIPORT_CALLBACKS), MiniportHandleIoctl };

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return PortInitialize(DriverObject, L"\\Device\\Miniport", &g_Callbacks);
}

/* copy.c — the unprobed METHOD_NEITHER copy (the bug this example exists to show). */
#include "unsafe.h"

NTSTATUS UnsafeCopy(PIRP Irp, PIO_STACK_LOCATION sp)
{
    ULONG in = sp->Parameters.DeviceIoControl.InputBufferLength;
    volatile UCHAR *src = (volatile UCHAR *)sp->Parameters.DeviceIoControl.Type3InputBuffer;
    volatile UCHAR *dst = (volatile UCHAR *)Irp->UserBuffer;
    ULONG i;

    /* No ProbeForRead/ProbeForWrite, no __try, and OutputBufferLength is never looked at. */
    for (i = 0; i < in; i++)
        dst[i] = src[i];
    Irp->IoStatus.Information = in;
    return STATUS_SUCCESS;
}

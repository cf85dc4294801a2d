/*
 * readwrite.c — IRP_MJ_READ / IRP_MJ_WRITE on a device's 64-byte store, at the request's
 * ByteOffset, through whichever buffer the device's I/O flags give: the system buffer
 * (DO_BUFFERED_IO), the MDL (DO_DIRECT_IO), or the caller's own pointer, probed (neither).
 */
#include "kio.h"

/* The caller's data as the driver may touch it; NULL with *status set when it may not. */
static PUCHAR Buffer(PDEVICE_OBJECT DeviceObject, PIRP Irp, ULONG length, BOOLEAN write, NTSTATUS *status)
{
    *status = STATUS_SUCCESS;
    if (length == 0)
        return NULL;
    if (DeviceObject->Flags & DO_BUFFERED_IO)
        return (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
    if (DeviceObject->Flags & DO_DIRECT_IO) {
        PUCHAR p = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
        if (p == NULL)
            *status = STATUS_INSUFFICIENT_RESOURCES;
        return p;
    }
    __try {
        if (write)
            ProbeForRead(Irp->UserBuffer, length, 1);
        else
            ProbeForWrite(Irp->UserBuffer, length, 1);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        *status = GetExceptionCode();
        return NULL;
    }
    return (PUCHAR)Irp->UserBuffer;
}

static NTSTATUS Transfer(PDEVICE_OBJECT DeviceObject, PIRP Irp, BOOLEAN write)
{
    PKIO_DEVICE dx = (PKIO_DEVICE)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    ULONG length = write ? sp->Parameters.Write.Length : sp->Parameters.Read.Length;
    LONGLONG offset = write ? sp->Parameters.Write.ByteOffset.QuadPart : sp->Parameters.Read.ByteOffset.QuadPart;
    NTSTATUS status;
    PUCHAR data = Buffer(DeviceObject, Irp, length, write, &status);
    ULONG n, i;

    if (!NT_SUCCESS(status))
        return KioComplete(Irp, status, 0);
    if (offset < 0 || offset >= KIO_STORE_SIZE)
        return KioComplete(Irp, write ? STATUS_DISK_FULL : STATUS_END_OF_FILE, 0);
    n = KIO_STORE_SIZE - (ULONG)offset;
    if (n > length)
        n = length;
    __try {
        for (i = 0; i < n; i++) {
            if (write)
                dx->Store[offset + i] = data[i];
            else
                data[i] = dx->Store[offset + i];
        }
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        return KioComplete(Irp, GetExceptionCode(), 0);
    }
    return KioComplete(Irp, STATUS_SUCCESS, n);
}

NTSTATUS KioRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    return Transfer(DeviceObject, Irp, FALSE);
}

NTSTATUS KioWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    return Transfer(DeviceObject, Irp, TRUE);
}

/*
 * apiio.sys — the I/O manager, checked in C. Started as a service, DriverEntry keeps its
 * DRIVER_OBJECT and installs one dispatch routine for every major function; the test exports
 * (called with `kmdll sim ... call:apiio.sys!TestX`) build a two-device stack
 * (\Device\ApiIoLower with an unnamed filter attached on top) and send IRPs through it. The
 * header-inlined stack-location macros (IoGetCurrentIrpStackLocation, IoGetNextIrpStackLocation,
 * IoSkipCurrentIrpStackLocation, IoCopyCurrentIrpStackLocationToNext, IoSetCompletionRoutine,
 * IoMarkIrpPending, MmGetSystemAddressForMdlSafe) work on the emulator's IRPs only when they are
 * laid out exactly as wdm.h says. Each export returns its number of failed checks.
 */
#include "../include/apitest.h"

/* ntoskrnl data exports mingw-w64's wdm.h does not declare. */
extern POBJECT_TYPE NTSYSAPI *IoDeviceObjectType;
extern POBJECT_TYPE NTSYSAPI *IoDriverObjectType;

#define LOWER_NAME L"\\Device\\ApiIoLower"
#define LINK_NAME L"\\DosDevices\\ApiIo"
#define IOCTL_TEST(m) CTL_CODE(0x8000, 0x900 + (m), (m), FILE_ANY_ACCESS)
#define IOCTL_UNKNOWN CTL_CODE(0x8000, 0x9FF, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _EXT {
    ULONG Role; /* 1 = lower, 2 = upper (filter) */
    ULONG Seen;
    PDEVICE_OBJECT Lower;
} EXT, *PEXT;

static PDRIVER_OBJECT g_Driver;
static LONG g_Calls[IRP_MJ_MAXIMUM_FUNCTION + 1];
static PIRP g_Pending;
static LONGLONG g_LastOffset;
static ULONG g_LastMethodOk;
static int g_DispatchFailures;
static char g_Order[16];
static int g_OrderLen;

static VOID Order(char c)
{
    if (g_OrderLen < (int)sizeof(g_Order) - 1)
        g_Order[g_OrderLen++] = c;
}

/* The lower device: completes everything itself. */
static NTSTATUS NTAPI LowerDispatch(PDEVICE_OBJECT Dev, PIRP Irp)
{
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_SUCCESS;
    ULONG_PTR info = 0;
    int failures = 0;
    ULONG i;

    CHECK(s->DeviceObject == Dev);
    CHECK(Irp->CurrentLocation >= 1 && Irp->CurrentLocation <= Irp->StackCount);
    Order('L');
    switch (s->MajorFunction) {
    case IRP_MJ_CREATE:
    case IRP_MJ_CLOSE:
        CHECK(s->FileObject != NULL && s->FileObject->Type == IO_TYPE_FILE);
        break;
    case IRP_MJ_DEVICE_CONTROL:
    case IRP_MJ_INTERNAL_DEVICE_CONTROL: {
        ULONG code = s->Parameters.DeviceIoControl.IoControlCode;
        ULONG inLen = s->Parameters.DeviceIoControl.InputBufferLength;
        ULONG outLen = s->Parameters.DeviceIoControl.OutputBufferLength;
        PUCHAR in = NULL, out = NULL;
        if (code == IOCTL_UNKNOWN) {
            status = STATUS_INVALID_DEVICE_REQUEST;
            break;
        }
        switch (METHOD_FROM_CTL_CODE(code)) {
        case METHOD_BUFFERED:
            in = out = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
            break;
        case METHOD_IN_DIRECT:
        case METHOD_OUT_DIRECT:
            in = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
            CHECK(Irp->MdlAddress != NULL && MmGetMdlByteCount(Irp->MdlAddress) == outLen);
            out = Irp->MdlAddress ? (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority) : NULL;
            CHECK(out == (PUCHAR)Irp->UserBuffer && out == (PUCHAR)MmGetMdlVirtualAddress(Irp->MdlAddress));
            break;
        default:
            in = (PUCHAR)s->Parameters.DeviceIoControl.Type3InputBuffer;
            out = (PUCHAR)Irp->UserBuffer;
            break;
        }
        CHECK(in != NULL && out != NULL && inLen == 4 && outLen == 8);
        if (in && out && inLen == 4 && outLen >= 8) {
            UCHAR sum = (UCHAR)(in[0] + in[1] + in[2] + in[3]);
            g_LastMethodOk = METHOD_FROM_CTL_CODE(code) + 1;
            for (i = 0; i < 8; i++)
                out[i] = (UCHAR)(sum + i);
            info = 8;
        }
        break;
    }
    case IRP_MJ_READ:
    case IRP_MJ_WRITE: {
        PUCHAR buf = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
        ULONG len = s->Parameters.Read.Length;
        CHECK(Dev->Flags & DO_BUFFERED_IO);
        CHECK(buf != NULL);
        g_LastOffset = s->Parameters.Read.ByteOffset.QuadPart;
        if (buf && s->MajorFunction == IRP_MJ_READ)
            for (i = 0; i < len; i++)
                buf[i] = (UCHAR)(0x5A ^ i);
        if (buf && s->MajorFunction == IRP_MJ_WRITE)
            for (i = 0; i < len; i++)
                CHECK(buf[i] == (UCHAR)(0x30 + i));
        info = len;
        break;
    }
    case IRP_MJ_FLUSH_BUFFERS:
        /* Keep it: the test completes it later. */
        IoMarkIrpPending(Irp);
        g_Pending = Irp;
        g_DispatchFailures += failures;
        return STATUS_PENDING;
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    g_DispatchFailures += failures;
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = info;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static PVOID g_UpperContextSeen;
static PDEVICE_OBJECT g_UpperDeviceSeen;

static NTSTATUS NTAPI UpperCompletion(PDEVICE_OBJECT Dev, PIRP Irp, PVOID Context)
{
    Order('C');
    g_UpperDeviceSeen = Dev;
    g_UpperContextSeen = Context;
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

/* The filter: reads get a completion routine (copied stack location), the rest is skipped down. */
static NTSTATUS NTAPI UpperDispatch(PDEVICE_OBJECT Dev, PIRP Irp)
{
    PEXT ext = (PEXT)Dev->DeviceExtension;
    PIO_STACK_LOCATION s = IoGetCurrentIrpStackLocation(Irp);
    Order('U');
    if (s->MajorFunction == IRP_MJ_READ || s->MajorFunction == IRP_MJ_INTERNAL_DEVICE_CONTROL) {
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, UpperCompletion, (PVOID)0x1234, TRUE, TRUE, TRUE);
    } else {
        IoSkipCurrentIrpStackLocation(Irp);
    }
    return IoCallDriver(ext->Lower, Irp);
}

static NTSTATUS NTAPI Dispatch(PDEVICE_OBJECT Dev, PIRP Irp)
{
    PEXT ext = (PEXT)Dev->DeviceExtension;
    g_Calls[IoGetCurrentIrpStackLocation(Irp)->MajorFunction]++;
    ext->Seen++;
    return ext->Role == 2 ? UpperDispatch(Dev, Irp) : LowerDispatch(Dev, Irp);
}

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG i;
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Driver = DriverObject;
    for (i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = Dispatch;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

/* \Device\ApiIoLower with an unnamed filter attached on top. */
static int CreateStack(PDEVICE_OBJECT *Lower, PDEVICE_OBJECT *Upper)
{
    int failures = 0;
    PEXT le, ue;
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, LOWER_NAME);
    *Lower = *Upper = NULL;
    CHECK(IoCreateDevice(g_Driver, sizeof(EXT), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, Lower) == STATUS_SUCCESS);
    CHECK(IoCreateDevice(g_Driver, sizeof(EXT), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, Upper) == STATUS_SUCCESS);
    if (!*Lower || !*Upper)
        return failures + 100;
    le = (PEXT)(*Lower)->DeviceExtension;
    ue = (PEXT)(*Upper)->DeviceExtension;
    le->Role = 1;
    ue->Role = 2;
    (*Lower)->Flags |= DO_BUFFERED_IO;
    (*Lower)->Flags &= ~DO_DEVICE_INITIALIZING;
    ue->Lower = IoAttachDeviceToDeviceStack(*Upper, *Lower);
    CHECK(ue->Lower == *Lower);
    (*Upper)->Flags |= (*Lower)->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    (*Upper)->Flags &= ~DO_DEVICE_INITIALIZING;
    return failures;
}

static VOID DeleteStack(PDEVICE_OBJECT Lower, PDEVICE_OBJECT Upper)
{
    if (Upper) {
        IoDetachDevice(Lower);
        IoDeleteDevice(Upper);
    }
    if (Lower)
        IoDeleteDevice(Lower);
}

int NTAPI TestDevices(void)
{
    int failures = 0;
    PDEVICE_OBJECT lower = NULL, upper = NULL, dev = NULL, other = NULL;
    PFILE_OBJECT file = NULL, file2 = NULL;
    UNICODE_STRING name, link, missing;
    PEXT le;

    CHECK(g_Driver != NULL && g_Driver->Type == IO_TYPE_DRIVER);
    if (!g_Driver)
        return 1;
    RtlInitUnicodeString(&name, LOWER_NAME);
    RtlInitUnicodeString(&link, LINK_NAME);
    RtlInitUnicodeString(&missing, L"\\Device\\ApiIoMissing");
    CHECK(IoCreateDevice(g_Driver, sizeof(EXT), &name, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, FALSE, &lower) == STATUS_SUCCESS);
    if (!lower)
        return failures + 1;
    le = (PEXT)lower->DeviceExtension;
    CHECK(lower->Type == IO_TYPE_DEVICE && lower->Size == sizeof(DEVICE_OBJECT) + sizeof(EXT));
    CHECK(lower->DriverObject == g_Driver && g_Driver->DeviceObject == lower);
    CHECK(le != NULL && le->Role == 0 && le->Seen == 0 && le->Lower == NULL);
    CHECK(lower->StackSize == 1 && lower->AttachedDevice == NULL && lower->DeviceType == FILE_DEVICE_UNKNOWN);
    CHECK((lower->Flags & DO_DEVICE_INITIALIZING) && lower->Characteristics == FILE_DEVICE_SECURE_OPEN);
    CHECK(IoCreateDevice(g_Driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &other) == STATUS_OBJECT_NAME_COLLISION);
    le->Role = 1;
    lower->Flags |= DO_BUFFERED_IO;
    /* Created outside DriverEntry: nobody can open it until the driver clears DO_DEVICE_INITIALIZING. */
    CHECK(IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file, &dev) == STATUS_NO_SUCH_DEVICE);
    lower->Flags &= ~DO_DEVICE_INITIALIZING;

    CHECK(IoCreateDevice(g_Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &upper) == STATUS_SUCCESS);
    if (!upper) {
        IoDeleteDevice(lower);
        return failures + 1;
    }
    CHECK(upper->DeviceExtension == NULL);
    CHECK(g_Driver->DeviceObject == upper && upper->NextDevice == lower && lower->NextDevice == NULL);

    CHECK(IoCreateSymbolicLink(&link, &name) == STATUS_SUCCESS);
    CHECK(IoCreateSymbolicLink(&link, &name) == STATUS_OBJECT_NAME_COLLISION);

    /* Opening through the link: IRP_MJ_CREATE reaches the lower device's dispatch. */
    g_Calls[IRP_MJ_CREATE] = g_Calls[IRP_MJ_CLOSE] = 0;
    CHECK(IoGetDeviceObjectPointer(&link, FILE_READ_DATA, &file, &dev) == STATUS_SUCCESS);
    CHECK(dev == lower && file != NULL && file->Type == IO_TYPE_FILE && file->DeviceObject == lower);
    CHECK(g_Calls[IRP_MJ_CREATE] == 1);
    CHECK(IoGetDeviceObjectPointer(&missing, FILE_READ_DATA, &file2, &dev) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* A device stack: the upper device is now what opens and sends reach first. */
    upper->DeviceExtension = ExAllocatePoolWithTag(NonPagedPool, sizeof(EXT), 'oIpA');
    if (upper->DeviceExtension) {
        RtlZeroMemory(upper->DeviceExtension, sizeof(EXT));
        ((PEXT)upper->DeviceExtension)->Role = 2;
    }
    ((PEXT)upper->DeviceExtension)->Lower = IoAttachDeviceToDeviceStack(upper, lower);
    CHECK(((PEXT)upper->DeviceExtension)->Lower == lower);
    CHECK(lower->AttachedDevice == upper && upper->StackSize == 2);
    CHECK(IoGetAttachedDevice(lower) == upper);
    other = IoGetAttachedDeviceReference(lower);
    CHECK(other == upper);
    if (other)
        ObDereferenceObject(other);
    CHECK(IoGetRelatedDeviceObject(file) == upper);
    CHECK(lower->ReferenceCount == 1); /* one open file object */
    CHECK(ObReferenceObjectByPointer(upper, 0, NULL, KernelMode) == STATUS_SUCCESS);
    ObDereferenceObject(upper);
    CHECK(ObReferenceObjectByPointer(upper, 0, *IoDeviceObjectType, KernelMode) == STATUS_SUCCESS);
    ObDereferenceObject(upper);
    CHECK(ObReferenceObjectByPointer(file, 0, *IoFileObjectType, KernelMode) == STATUS_SUCCESS);
    ObDereferenceObject(file);
    CHECK(ObReferenceObjectByPointer(upper, 0, *IoFileObjectType, KernelMode) == STATUS_OBJECT_TYPE_MISMATCH);
    CHECK(ObReferenceObjectByPointer(g_Driver, 0, *IoDriverObjectType, KernelMode) == STATUS_SUCCESS);
    ObDereferenceObject(g_Driver);

    CHECK(IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file2, &dev) == STATUS_SUCCESS);
    CHECK(dev == upper);
    CHECK(g_Calls[IRP_MJ_CREATE] == 3); /* through the filter (skipped down) to the lower device */

    /* Last references to the file objects: IRP_MJ_CLOSE each. */
    if (file2)
        ObDereferenceObject(file2);
    if (file)
        ObDereferenceObject(file);
    CHECK(g_Calls[IRP_MJ_CLOSE] == 4);
    CHECK(lower->ReferenceCount == 0);

    IoDetachDevice(lower);
    CHECK(lower->AttachedDevice == NULL);
    CHECK(IoDeleteSymbolicLink(&link) == STATUS_SUCCESS);
    CHECK(IoDeleteSymbolicLink(&link) == STATUS_OBJECT_NAME_NOT_FOUND);
    if (upper->DeviceExtension)
        ExFreePoolWithTag(upper->DeviceExtension, 'oIpA');
    IoDeleteDevice(upper);
    CHECK(g_Driver->DeviceObject == lower);
    IoDeleteDevice(lower);
    CHECK(g_Driver->DeviceObject == NULL);
    CHECK(IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file2, &dev) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures + g_DispatchFailures;
}

static int SendIoctl(PDEVICE_OBJECT Top, ULONG Method, BOOLEAN Internal)
{
    int failures = 0;
    UCHAR in[4] = {1, 2, 3, 4};
    UCHAR out[8];
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    PIO_STACK_LOCATION next;
    ULONG i;

    RtlFillMemory(out, sizeof(out), 0xEE);
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    iosb.Status = STATUS_UNSUCCESSFUL;
    iosb.Information = 0;
    irp = IoBuildDeviceIoControlRequest(IOCTL_TEST(Method), Top, in, sizeof(in), out, sizeof(out), Internal, &event, &iosb);
    CHECK(irp != NULL);
    if (!irp)
        return failures;
    next = IoGetNextIrpStackLocation(irp);
    CHECK(irp->StackCount == Top->StackSize && irp->CurrentLocation == irp->StackCount + 1);
    CHECK(next->MajorFunction == (Internal ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL));
    CHECK(next->Parameters.DeviceIoControl.IoControlCode == IOCTL_TEST(Method));
    CHECK(next->Parameters.DeviceIoControl.InputBufferLength == 4 && next->Parameters.DeviceIoControl.OutputBufferLength == 8);
    if (Method == METHOD_BUFFERED)
        CHECK(irp->AssociatedIrp.SystemBuffer != NULL && irp->AssociatedIrp.SystemBuffer != (PVOID)in && irp->UserBuffer == (PVOID)out);
    if (Method == METHOD_NEITHER)
        CHECK(next->Parameters.DeviceIoControl.Type3InputBuffer == (PVOID)in && irp->UserBuffer == (PVOID)out);
    g_LastMethodOk = 0;
    CHECK(IoCallDriver(Top, irp) == STATUS_SUCCESS);
    CHECK(g_LastMethodOk == Method + 1);
    CHECK(iosb.Status == STATUS_SUCCESS && iosb.Information == 8);
    CHECK(KeReadStateEvent(&event) == 1);
    for (i = 0; i < 8; i++)
        CHECK(out[i] == (UCHAR)(10 + i));
    return failures;
}

int NTAPI TestIoctls(void)
{
    int failures = 0;
    PDEVICE_OBJECT lower, upper;
    ULONG m;
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;

    failures += CreateStack(&lower, &upper);
    if (failures)
        return failures;
    for (m = METHOD_BUFFERED; m <= METHOD_NEITHER; m++) {
        failures += SendIoctl(upper, m, FALSE);
        g_UpperDeviceSeen = NULL;
        g_OrderLen = 0;
        failures += SendIoctl(upper, m, TRUE);
        /* Internal IOCTLs pass the filter's completion routine: U, L, then C with the filter's device. */
        CHECK(g_OrderLen == 3 && g_Order[0] == 'U' && g_Order[1] == 'L' && g_Order[2] == 'C');
        CHECK(g_UpperDeviceSeen == upper && g_UpperContextSeen == (PVOID)0x1234);
    }
    /* An IOCTL nobody handles: the error status comes back in the IO_STATUS_BLOCK too. */
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildDeviceIoControlRequest(IOCTL_UNKNOWN, upper, NULL, 0, NULL, 0, FALSE, &event, &iosb);
    CHECK(irp != NULL);
    if (irp) {
        CHECK(IoCallDriver(upper, irp) == STATUS_INVALID_DEVICE_REQUEST);
        CHECK(iosb.Status == STATUS_INVALID_DEVICE_REQUEST && KeReadStateEvent(&event) == 1);
    }
    DeleteStack(lower, upper);
    return failures + g_DispatchFailures;
}

int NTAPI TestFsd(void)
{
    int failures = 0;
    PDEVICE_OBJECT lower, upper;
    UCHAR buf[16];
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    LARGE_INTEGER offset;
    PIRP irp;
    ULONG i;

    failures += CreateStack(&lower, &upper);
    if (failures)
        return failures;
    RtlZeroMemory(buf, sizeof(buf));
    offset.QuadPart = 0x12345678;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, upper, buf, sizeof(buf), &offset, &event, &iosb);
    CHECK(irp != NULL);
    if (irp) {
        CHECK(IoGetNextIrpStackLocation(irp)->MajorFunction == IRP_MJ_READ);
        CHECK(IoGetNextIrpStackLocation(irp)->Parameters.Read.Length == sizeof(buf));
        CHECK(irp->AssociatedIrp.SystemBuffer != NULL); /* DO_BUFFERED_IO */
        g_OrderLen = 0;
        g_UpperDeviceSeen = NULL;
        CHECK(IoCallDriver(upper, irp) == STATUS_SUCCESS);
        CHECK(g_OrderLen == 3 && g_Order[0] == 'U' && g_Order[1] == 'L' && g_Order[2] == 'C');
        CHECK(g_UpperDeviceSeen == upper);
        CHECK(g_LastOffset == 0x12345678);
        CHECK(iosb.Status == STATUS_SUCCESS && iosb.Information == sizeof(buf));
        for (i = 0; i < sizeof(buf); i++)
            CHECK(buf[i] == (UCHAR)(0x5A ^ i));
    }
    for (i = 0; i < 8; i++)
        buf[i] = (UCHAR)(0x30 + i);
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, upper, buf, 8, &offset, &event, &iosb);
    CHECK(irp != NULL);
    if (irp) {
        CHECK(IoCallDriver(upper, irp) == STATUS_SUCCESS);
        CHECK(iosb.Status == STATUS_SUCCESS && iosb.Information == 8 && KeReadStateEvent(&event) == 1);
    }
    DeleteStack(lower, upper);
    return failures + g_DispatchFailures;
}

static BOOLEAN g_AsyncPending;
static PDEVICE_OBJECT g_AsyncDevice;
static NTSTATUS g_AsyncStatus;
static ULONG_PTR g_AsyncInformation;

/* The originator's routine for an IRP it allocated: it owns the IRP again and frees it. */
static NTSTATUS NTAPI OwnerCompletion(PDEVICE_OBJECT Dev, PIRP Irp, PVOID Context)
{
    g_AsyncDevice = Dev;
    g_AsyncPending = Irp->PendingReturned;
    g_AsyncStatus = Irp->IoStatus.Status;
    g_AsyncInformation = Irp->IoStatus.Information;
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

int NTAPI TestPendingAndAllocated(void)
{
    int failures = 0;
    PDEVICE_OBJECT lower, upper;
    KEVENT done;
    PIRP irp;
    PIO_STACK_LOCATION next;
    UCHAR buf[8];
    LARGE_INTEGER offset;
    IO_STATUS_BLOCK iosb;
    PIRP raw;
    ULONG i;

    failures += CreateStack(&lower, &upper);
    if (failures)
        return failures;

    /* IoAllocateIrp + a flush the lower device pends; completed later by "the device". */
    irp = IoAllocateIrp(upper->StackSize, FALSE);
    CHECK(irp != NULL);
    if (irp) {
        CHECK(irp->StackCount == 2 && irp->CurrentLocation == 3 && irp->Type == IO_TYPE_IRP);
        CHECK(irp->Size == IoSizeOfIrp(2));
        KeInitializeEvent(&done, NotificationEvent, FALSE);
        next = IoGetNextIrpStackLocation(irp);
        next->MajorFunction = IRP_MJ_FLUSH_BUFFERS;
        IoSetCompletionRoutine(irp, OwnerCompletion, &done, TRUE, TRUE, TRUE);
        g_Pending = NULL;
        CHECK(IoCallDriver(upper, irp) == STATUS_PENDING);
        CHECK(g_Pending == irp && KeReadStateEvent(&done) == 0);
        if (g_Pending) {
            g_Pending->IoStatus.Status = STATUS_SUCCESS;
            g_Pending->IoStatus.Information = 42;
            IoCompleteRequest(g_Pending, IO_NO_INCREMENT);
        }
        CHECK(KeReadStateEvent(&done) == 1);
        CHECK(g_AsyncPending == TRUE && g_AsyncDevice == NULL);
        CHECK(g_AsyncStatus == STATUS_SUCCESS && g_AsyncInformation == 42);
    }

    /* IoBuildAsynchronousFsdRequest: freed by the originator's completion routine. */
    for (i = 0; i < 8; i++)
        buf[i] = (UCHAR)(0x30 + i);
    offset.QuadPart = 7;
    irp = IoBuildAsynchronousFsdRequest(IRP_MJ_WRITE, upper, buf, 8, &offset, &iosb);
    CHECK(irp != NULL);
    if (irp) {
        KeInitializeEvent(&done, NotificationEvent, FALSE);
        IoSetCompletionRoutine(irp, OwnerCompletion, &done, TRUE, TRUE, TRUE);
        g_AsyncPending = TRUE;
        CHECK(IoCallDriver(upper, irp) == STATUS_SUCCESS);
        CHECK(KeReadStateEvent(&done) == 1 && g_AsyncPending == FALSE);
        CHECK(g_AsyncStatus == STATUS_SUCCESS && g_AsyncInformation == 8 && g_LastOffset == 7);
    }

    /* IoInitializeIrp on caller-owned memory. */
    raw = (PIRP)ExAllocatePoolWithTag(NonPagedPool, IoSizeOfIrp(3), 'oIpA');
    CHECK(raw != NULL);
    if (raw) {
        RtlFillMemory(raw, IoSizeOfIrp(3), 0xCC);
        IoInitializeIrp(raw, IoSizeOfIrp(3), 3);
        CHECK(raw->Type == IO_TYPE_IRP && raw->StackCount == 3 && raw->CurrentLocation == 4);
        CHECK(raw->Size == IoSizeOfIrp(3) && raw->MdlAddress == NULL && raw->Cancel == FALSE);
        CHECK(IoGetNextIrpStackLocation(raw) == (PIO_STACK_LOCATION)((PUCHAR)raw + sizeof(IRP)) + 2);
        ExFreePoolWithTag(raw, 'oIpA');
    }
    DeleteStack(lower, upper);
    return failures + g_DispatchFailures;
}

/* A device DriverUnload does not delete: kmdll warns when the driver unloads with it. */
int NTAPI LeaveDevice(void)
{
    PDEVICE_OBJECT dev = NULL;
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, L"\\Device\\ApiIoLeftover");
    return IoCreateDevice(g_Driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev) == STATUS_SUCCESS ? 0 : 1;
}

/* A driver bug: completing an IRP that was already completed (and freed by the I/O manager).
 * Windows bugchecks with MULTIPLE_IRP_COMPLETE_REQUESTS; kmdll stops with a bugcheck fault. */
int NTAPI CompleteTwice(void)
{
    PDEVICE_OBJECT lower, upper;
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    int failures = CreateStack(&lower, &upper);
    if (failures)
        return failures;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp = IoBuildDeviceIoControlRequest(IOCTL_UNKNOWN, lower, NULL, 0, NULL, 0, FALSE, &event, &iosb);
    if (irp == NULL)
        return 1;
    IoCallDriver(lower, irp);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return 2;
}

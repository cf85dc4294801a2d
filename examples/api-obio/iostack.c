/*
 * Device stacks (attaching, lower devices, the stack's base, enumerating a driver's devices),
 * the volume behind a file (VPB, the file system's device, the disk device, DOS names), IRP
 * helpers (reuse, completion routines, synchronous forwarding, the top-level IRP) and the stack
 * limits.
 */
#include "apiobio.h"

#define WILD ((PVOID)(ULONG_PTR)0xFFFFA000DEAD0000ULL)

static BOOLEAN Is(PUNICODE_STRING S, PCWSTR Text)
{
    UNICODE_STRING t;
    RtlInitUnicodeString(&t, Text);
    return RtlEqualUnicodeString(S, &t, TRUE);
}

ULONG NTAPI TestDeviceStacks(void)
{
    ULONG failures = 0, n = 0, i, seen = 0;
    PDEVICE_OBJECT a = NULL, b = NULL, lower = NULL, attached = NULL, d, list[4];
    UNICODE_STRING name;
    ULONG_PTR lo = 0, hi = 0, here = (ULONG_PTR)&n;

    CHECK(IoCreateDevice(g_Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &a) == STATUS_SUCCESS);
    CHECK(IoCreateDevice(g_Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &b) == STATUS_SUCCESS);
    if (!a || !b) return failures + 1;
    CHECK(IoAttachDeviceToDeviceStackSafe(a, g_Device, &lower) == STATUS_SUCCESS);
    CHECK(lower == g_Device);
    CHECK(a->StackSize == g_Device->StackSize + 1);
    RtlInitUnicodeString(&name, L"\\Device\\ApiObIo");
    CHECK(IoAttachDevice(b, &name, &attached) == STATUS_SUCCESS);
    CHECK(attached == a);
    RtlInitUnicodeString(&name, L"\\Device\\NoSuchDevice");
    CHECK(IoAttachDevice(b, &name, &attached) == STATUS_OBJECT_NAME_NOT_FOUND);

    d = IoGetLowerDeviceObject(b);
    CHECK(d == a);
    if (d) ObDereferenceObject(d);
    d = IoGetLowerDeviceObject(a);
    CHECK(d == g_Device);
    if (d) ObDereferenceObject(d);
    CHECK(IoGetLowerDeviceObject(g_Device) == NULL);
    d = IoGetDeviceAttachmentBaseRef(b);
    CHECK(d == g_Device);
    if (d) ObDereferenceObject(d);
    d = IoGetAttachedDeviceReference(g_Device);
    CHECK(d == b);
    if (d) ObDereferenceObject(d);

    CHECK(IoEnumerateDeviceObjectList(g_Driver, NULL, 0, &n) == STATUS_BUFFER_TOO_SMALL);
    CHECK(n == 3);
    CHECK(IoEnumerateDeviceObjectList(g_Driver, list, sizeof(list), &n) == STATUS_SUCCESS);
    CHECK(n == 3);
    for (i = 0; i < n && i < ARRAY_LEN(list); i++) {
        seen |= list[i] == g_Device ? 1 : list[i] == a ? 2 : list[i] == b ? 4 : 8;
        ObDereferenceObject(list[i]);
    }
    CHECK(seen == 7);

    IoDetachDevice(a);
    IoDetachDevice(g_Device);
    IoDeleteDevice(b);
    IoDeleteDevice(a);

    IoGetStackLimits(&lo, &hi);
    CHECK(lo < here && here < hi && hi - lo >= PAGE_SIZE && (lo & (PAGE_SIZE - 1)) == 0);
    return failures;
}

/* A named device of a system driver: open it, check its type and driver, return it (referenced through File). */
static PDEVICE_OBJECT SystemDevice(PCWSTR Name, DEVICE_TYPE Type, PCWSTR Driver, PFILE_OBJECT *File, ULONG *Failures)
{
    UNICODE_STRING u;
    PDEVICE_OBJECT dev = NULL;
    ULONG failures = 0;
    *File = NULL;
    RtlInitUnicodeString(&u, Name);
    CHECK(IoGetDeviceObjectPointer(&u, FILE_READ_DATA, File, &dev) == STATUS_SUCCESS);
    CHECK(dev != NULL && *File != NULL);
    if (dev) {
        CHECK(dev->DeviceType == Type);
        CHECK((dev->Flags & DO_DEVICE_INITIALIZING) == 0);
        CHECK(dev->DriverObject != NULL && Is(&dev->DriverObject->DriverName, Driver));
        CHECK(*File == NULL || (*File)->DeviceObject == dev);
    }
    *Failures += failures;
    return dev;
}

/*
 * The named devices of the system drivers a booted PC has: tcpip's \Device\Tcp, Udp, RawIp and Ip
 * (opened by TDI clients), the first keyboard's and mouse's class devices (attached to by input
 * filters). Opening succeeds; any other request is STATUS_INVALID_DEVICE_REQUEST.
 */
ULONG NTAPI TestSystemDevices(void)
{
    ULONG failures = 0;
    PFILE_OBJECT tcpFile, udpFile, rawFile, ipFile, mouseFile;
    PDEVICE_OBJECT tcp, udp, raw, ip, mouse, kbd = NULL, filter = NULL, attached = NULL, d = NULL;
    PFILE_OBJECT f = NULL;
    UNICODE_STRING u;
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    PIRP irp;
    ULONG out = 0;

    tcp = SystemDevice(L"\\Device\\Tcp", FILE_DEVICE_NETWORK, L"\\Driver\\Tcpip", &tcpFile, &failures);
    udp = SystemDevice(L"\\Device\\Udp", FILE_DEVICE_NETWORK, L"\\Driver\\Tcpip", &udpFile, &failures);
    raw = SystemDevice(L"\\Device\\RawIp", FILE_DEVICE_NETWORK, L"\\Driver\\Tcpip", &rawFile, &failures);
    ip = SystemDevice(L"\\Device\\IP", FILE_DEVICE_NETWORK, L"\\Driver\\Tcpip", &ipFile, &failures);
    mouse = SystemDevice(L"\\Device\\PointerClass0", FILE_DEVICE_MOUSE, L"\\Driver\\Mouclass", &mouseFile, &failures);
    d = SystemDevice(L"\\Device\\Tcp6", FILE_DEVICE_NETWORK, L"\\Driver\\Tcpip", &f, &failures);
    CHECK(d != NULL && d != tcp);
    if (f) ObDereferenceObject(f);
    d = SystemDevice(L"\\Device\\Udp6", FILE_DEVICE_NETWORK, L"\\Driver\\Tcpip", &f, &failures);
    if (f) ObDereferenceObject(f);
    d = SystemDevice(L"\\Device\\RawIp6", FILE_DEVICE_NETWORK, L"\\Driver\\Tcpip", &f, &failures);
    if (f) ObDereferenceObject(f);
    /* What file system filters attach to: NTFS's control device and the UNC provider. */
    d = SystemDevice(L"\\Ntfs", FILE_DEVICE_DISK_FILE_SYSTEM, L"\\FileSystem\\Ntfs", &f, &failures);
    if (f) ObDereferenceObject(f);
    d = SystemDevice(L"\\Device\\Mup", FILE_DEVICE_MULTI_UNC_PROVIDER, L"\\FileSystem\\Mup", &f, &failures);
    if (f) ObDereferenceObject(f);
    CHECK(tcp && udp && raw && ip && tcp != udp && udp != raw && raw != ip && tcp->DriverObject == ip->DriverObject);
    CHECK(tcp == NULL || (tcp->Flags & DO_DIRECT_IO) != 0);
    CHECK(mouse == NULL || (mouse->Flags & DO_BUFFERED_IO) != 0);
    /* The same object the second time. */
    RtlInitUnicodeString(&u, L"\\Device\\Tcp");
    CHECK(IoGetDeviceObjectPointer(&u, FILE_READ_DATA, &f, &d) == STATUS_SUCCESS && d == tcp);
    if (f) ObDereferenceObject(f);
    RtlInitUnicodeString(&u, L"\\Device\\Tcp7");
    CHECK(IoGetDeviceObjectPointer(&u, FILE_READ_DATA, &f, &d) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* A request tcpip would answer: the I/O manager's default routine refuses it. */
    if (tcp) {
        KeInitializeEvent(&event, NotificationEvent, FALSE);
        iosb.Status = STATUS_PENDING;
        irp = IoBuildDeviceIoControlRequest(0x00120003, tcp, NULL, 0, &out, sizeof(out), FALSE, &event, &iosb);
        CHECK(irp != NULL);
        if (irp) {
            CHECK(IoCallDriver(tcp, irp) == STATUS_INVALID_DEVICE_REQUEST);
            CHECK(iosb.Status == STATUS_INVALID_DEVICE_REQUEST);
        }
    }

    /* A keyboard filter on \Device\KeyboardClass0. */
    CHECK(IoCreateDevice(g_Driver, 0, NULL, FILE_DEVICE_KEYBOARD, 0, FALSE, &filter) == STATUS_SUCCESS);
    if (filter) {
        RtlInitUnicodeString(&u, L"\\Device\\KeyboardClass0");
        CHECK(IoAttachDevice(filter, &u, &attached) == STATUS_SUCCESS);
        kbd = attached;
        CHECK(kbd != NULL && kbd->DeviceType == FILE_DEVICE_KEYBOARD && Is(&kbd->DriverObject->DriverName, L"\\Driver\\Kbdclass"));
        CHECK(kbd != NULL && filter->StackSize == kbd->StackSize + 1 && kbd->AttachedDevice == filter);
        if (kbd) IoDetachDevice(kbd);
        CHECK(kbd == NULL || kbd->AttachedDevice == NULL);
        IoDeleteDevice(filter);
    }

    if (tcpFile) ObDereferenceObject(tcpFile);
    if (udpFile) ObDereferenceObject(udpFile);
    if (rawFile) ObDereferenceObject(rawFile);
    if (ipFile) ObDereferenceObject(ipFile);
    if (mouseFile) ObDereferenceObject(mouseFile);
    return failures;
}

static NTSTATUS OpenFile(PCWSTR Name, ULONG Disposition, ULONG Options, PHANDLE Handle)
{
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    RtlInitUnicodeString(&u, Name);
    INIT_OA(oa, &u, OBJ_CASE_INSENSITIVE);
    return ZwCreateFile(Handle, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ, Disposition,
        Options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
}

ULONG NTAPI TestVolumeNames(void)
{
    ULONG failures = 0;
    HANDLE h = NULL, dir = NULL, h2 = NULL;
    PFILE_OBJECT fo = NULL, dfo = NULL;
    PDEVICE_OBJECT fs, disk = NULL;
    UNICODE_STRING dos, link, target;
    POBJECT_NAME_INFORMATION oni = NULL;
    IO_STATUS_BLOCK io;
    KIRQL irql;
    PGENERIC_MAPPING map;
    LARGE_INTEGER size;
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING u;
    char data[] = "0123456789";

    CHECK(OpenFile(L"\\??\\C:\\obio", FILE_OPEN_IF, FILE_DIRECTORY_FILE, &dir) == STATUS_SUCCESS);
    CHECK(OpenFile(L"\\??\\C:\\obio\\names.txt", FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, &h) == STATUS_SUCCESS);
    CHECK(ZwWriteFile(h, NULL, NULL, NULL, &io, data, 10, NULL, NULL) == STATUS_SUCCESS);
    CHECK(ObReferenceObjectByHandle(h, 0, *IoFileObjectType, KernelMode, (PVOID *)&fo, NULL) == STATUS_SUCCESS);
    if (!fo) return failures + 1;
    /* A file on C: is on the volume device; its VPB names the file system's device mounted there. */
    CHECK(fo->DeviceObject != NULL && fo->DeviceObject->DeviceType == FILE_DEVICE_DISK);
    CHECK(fo->Vpb != NULL && fo->Vpb->RealDevice == fo->DeviceObject && (fo->Vpb->Flags & VPB_MOUNTED));
    CHECK(fo->DeviceObject->Vpb == fo->Vpb);
    fs = IoGetBaseFileSystemDeviceObject(fo);
    CHECK(fs != NULL && fs == fo->Vpb->DeviceObject && fs->DeviceType == FILE_DEVICE_DISK_FILE_SYSTEM);
    CHECK(IoGetRelatedDeviceObject(fo) == fs);
    CHECK(IoGetDiskDeviceObject(fs, &disk) == STATUS_SUCCESS);
    CHECK(disk == fo->DeviceObject);
    if (disk) ObDereferenceObject(disk);
    CHECK(IoGetDiskDeviceObject(g_Device, &disk) == STATUS_INVALID_PARAMETER);

    /* DOS names: the pool buffers are the caller's to free. */
    CHECK(RtlVolumeDeviceToDosName(fo->DeviceObject, &dos) == STATUS_SUCCESS);
    CHECK(Is(&dos, L"C:"));
    ExFreePool(dos.Buffer);
    CHECK(IoVolumeDeviceToDosName(fo->DeviceObject, &dos) == STATUS_SUCCESS);
    CHECK(Is(&dos, L"C:") && dos.Buffer[2] == 0);
    ExFreePool(dos.Buffer);
    CHECK(IoVolumeDeviceToDosName(g_Device, &dos) == STATUS_INVALID_DEVICE_REQUEST);
    RtlInitUnicodeString(&link, L"\\??\\Q:");
    RtlInitUnicodeString(&target, L"\\Device\\ApiObIo");
    CHECK(IoCreateSymbolicLink(&link, &target) == STATUS_SUCCESS);
    CHECK(IoVolumeDeviceToDosName(g_Device, &dos) == STATUS_SUCCESS);
    CHECK(Is(&dos, L"Q:"));
    ExFreePool(dos.Buffer);
    IoDeleteSymbolicLink(&link);
    CHECK(IoQueryFileDosDeviceName(fo, &oni) == STATUS_SUCCESS);
    CHECK(oni != NULL && Is(&oni->Name, L"C:\\obio\\names.txt"));
    if (oni) ExFreePool(oni);

    /* The VPB spin lock runs at DISPATCH_LEVEL. */
    IoAcquireVpbSpinLock(&irql);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL && irql == PASSIVE_LEVEL);
    CHECK(fo->Vpb->ReferenceCount >= 1);
    IoReleaseVpbSpinLock(irql);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);

    map = IoGetFileObjectGenericMapping();
    CHECK(map != NULL && map->GenericRead == FILE_GENERIC_READ && map->GenericWrite == FILE_GENERIC_WRITE &&
          map->GenericExecute == FILE_GENERIC_EXECUTE && map->GenericAll == FILE_ALL_ACCESS);

    CHECK(FsRtlGetFileSize(fo, &size) == STATUS_SUCCESS && size.QuadPart == 10);
    CHECK(ObReferenceObjectByHandle(dir, 0, *IoFileObjectType, KernelMode, (PVOID *)&dfo, NULL) == STATUS_SUCCESS);
    if (dfo) {
        CHECK(FsRtlGetFileSize(dfo, &size) == STATUS_FILE_IS_A_DIRECTORY);
        ObDereferenceObject(dfo);
    }

    /* A create sent below the filters: the hint must be in the volume's stack. */
    RtlInitUnicodeString(&u, L"\\??\\C:\\obio\\names.txt");
    INIT_OA(oa, &u, OBJ_CASE_INSENSITIVE);
    CHECK(IoCreateFileSpecifyDeviceObjectHint(&h2, GENERIC_READ, &oa, &io, NULL, 0, FILE_SHARE_READ, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT,
        NULL, 0, CreateFileTypeNone, NULL, 0, fs) == STATUS_SUCCESS);
    CHECK(io.Information == FILE_OPENED);
    if (h2) ZwClose(h2);
    CHECK(IoCreateFileSpecifyDeviceObjectHint(&h2, GENERIC_READ, &oa, &io, NULL, 0, FILE_SHARE_READ, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT,
        NULL, 0, CreateFileTypeNone, NULL, 0, g_Device) == STATUS_INVALID_DEVICE_OBJECT_PARAMETER);

    ObDereferenceObject(fo);
    ZwClose(h);
    ZwClose(dir);
    return failures;
}

static LONG g_CompletionCalls;
static PVOID g_CompletionContext;

static NTSTATUS NTAPI Completion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    g_CompletionCalls++;
    g_CompletionContext = Context;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* An IRP with a current stack location for IOCTL_OBIO_ECHO, as a dispatch routine would hold it. */
static PIRP EchoIrp(CCHAR StackSize, PUCHAR Buffer, ULONG Length)
{
    PIRP irp = IoAllocateIrp(StackSize, FALSE);
    PIO_STACK_LOCATION sl;
    if (!irp) return NULL;
    IoSetNextIrpStackLocation(irp);
    sl = IoGetCurrentIrpStackLocation(irp);
    sl->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    sl->Parameters.DeviceIoControl.IoControlCode = IOCTL_OBIO_ECHO;
    sl->Parameters.DeviceIoControl.InputBufferLength = Length;
    sl->Parameters.DeviceIoControl.OutputBufferLength = Length;
    irp->AssociatedIrp.SystemBuffer = Buffer;
    return irp;
}

ULONG NTAPI TestIrpHelpers(void)
{
    ULONG failures = 0;
    UCHAR buffer[4] = { 1, 2, 3, 4 };
    PIRP irp;
    int marker = 0;

    CHECK(IoGetTopLevelIrp() == NULL);
    IoSetTopLevelIrp((PIRP)FSRTL_FSP_TOP_LEVEL_IRP);
    CHECK(IoGetTopLevelIrp() == (PIRP)FSRTL_FSP_TOP_LEVEL_IRP);
    IoSetTopLevelIrp(NULL);
    CHECK(IoGetTopLevelIrp() == NULL);

    /* Forward synchronously: the lower device (our own) completes it, the IRP comes back to us. */
    irp = EchoIrp(2, buffer, sizeof(buffer));
    if (!irp) return failures + 1;
    CHECK(IoForwardIrpSynchronously(g_Device, irp));
    CHECK(irp->IoStatus.Status == STATUS_SUCCESS && irp->IoStatus.Information == sizeof(buffer));
    CHECK(buffer[0] == 4 && buffer[3] == 1);
    CHECK(g_LastIoctl == IOCTL_OBIO_ECHO);
    /* Reuse it for another request. */
    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    CHECK(irp->IoStatus.Status == STATUS_UNSUCCESSFUL && irp->CurrentLocation == irp->StackCount + 1 && irp->StackCount == 2);
    IoFreeIrp(irp);
    /* No location below the current one: not forwarded. */
    irp = EchoIrp(1, buffer, sizeof(buffer));
    if (!irp) return failures + 1;
    CHECK(!IoForwardIrpSynchronously(g_Device, irp));
    IoFreeIrp(irp);

    /* A completion routine set with IoSetCompletionRoutineEx runs on success. */
    irp = EchoIrp(2, buffer, sizeof(buffer));
    if (!irp) return failures + 1;
    IoCopyCurrentIrpStackLocationToNext(irp);
    CHECK(IoSetCompletionRoutineEx(g_Device, irp, Completion, &marker, TRUE, TRUE, TRUE) == STATUS_SUCCESS);
    CHECK(IoCallDriver(g_Device, irp) == STATUS_SUCCESS);
    CHECK(g_CompletionCalls == 1 && g_CompletionContext == &marker);
    CHECK(buffer[0] == 1 && buffer[3] == 4);
    IoFreeIrp(irp);
    return failures;
}

ULONG NTAPI WildDosName(void)
{
    UNICODE_STRING dos;
    return (ULONG)RtlVolumeDeviceToDosName(WILD, &dos);
}

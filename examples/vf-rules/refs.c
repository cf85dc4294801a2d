/*
 * vfrules.sys — object references and interface references: what a driver takes it must give
 * back before it unloads, and it must not give back what it never took.
 */
#include "vfrules.h"

NTKERNELAPI NTSTATUS NTAPI IoCreateDriver(PUNICODE_STRING DriverName, PDRIVER_INITIALIZE InitializationFunction);
NTKERNELAPI VOID NTAPI IoDeleteDriver(PDRIVER_OBJECT DriverObject);

static NTSTATUS OpenControlKey(PHANDLE Key)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Control");
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    return ZwOpenKey(Key, KEY_READ, &oa);
}

/* A referenced key object: the handle is closed, the object pointer kept (with its reference). */
static NTSTATUS ReferenceControlKey(PVOID *Object)
{
    HANDLE key;
    NTSTATUS st = OpenControlKey(&key);
    if (!NT_SUCCESS(st))
        return st;
    st = ObReferenceObjectByHandle(key, KEY_READ, NULL, KernelMode, Object, NULL);
    ZwClose(key);
    return st;
}

static PVOID g_KeyObject;

/* Keeps a reference to the key object: still held when the driver unloads. */
LONG64 NTAPI ObjectLeakBad(void)
{
    return ReferenceControlKey(&g_KeyObject);
}

LONG64 NTAPI ObjectLeakClean(void)
{
    PVOID object;
    NTSTATUS st = ReferenceControlKey(&object);
    if (NT_SUCCESS(st))
        ObDereferenceObject(object);
    return st;
}

NTKERNELAPI NTSTATUS NTAPI ObCloseHandle(HANDLE Handle, KPROCESSOR_MODE PreviousMode);

/*
 * The other documented ways to give a reference or a handle back: ObfDereferenceObjectWithTag,
 * ObDereferenceObjectDeferDelete(WithTag), ObCloseHandle. Each pays back what it should: nothing
 * is left at unload and no reference is dropped twice.
 */
LONG64 NTAPI ObjectReleasePathsClean(void)
{
    PVOID a, b, c;
    HANDLE key;
    NTSTATUS st = ReferenceControlKey(&a);
    if (!NT_SUCCESS(st))
        return st;
    ObReferenceObjectWithTag(a, 'fRlV');
    b = a;
    ObReferenceObject(a);
    c = a;
    ObDereferenceObjectWithTag(a, 'fRlV');
    ObDereferenceObjectDeferDelete(b);
    ObDereferenceObjectDeferDeleteWithTag(c, 'fRlV');
    st = OpenControlKey(&key);
    if (!NT_SUCCESS(st))
        return st;
    return ObCloseHandle(key, KernelMode);
}

/* Drops the reference twice: the second ObDereferenceObject finds the object already gone. */
LONG64 NTAPI ObjectOverDerefBad(void)
{
    PVOID object;
    NTSTATUS st = ReferenceControlKey(&object);
    if (NT_SUCCESS(st)) {
        ObDereferenceObject(object);
        ObDereferenceObject(object);
    }
    return st;
}

LONG64 NTAPI ObjectOverDerefClean(void)
{
    return ObjectLeakClean();
}

/* PsGetCurrentProcess takes no reference: dereferencing its result takes the kernel's own. */
LONG64 NTAPI ObjectDerefUnownedBad(void)
{
    PEPROCESS process = PsGetCurrentProcess();
    ObDereferenceObject(process);
    return 0;
}

LONG64 NTAPI ObjectDerefUnownedClean(void)
{
    PEPROCESS process;
    NTSTATUS st = PsLookupProcessByProcessId(PsGetCurrentProcessId(), &process);
    if (NT_SUCCESS(st))
        ObDereferenceObject(process);
    return st;
}

/*
 * Interfaces: a driver object of its own (IoCreateDriver) whose device hands out an INTERFACE
 * through an internal IOCTL, referenced once before the request completes (the documented
 * contract); the requester owes one InterfaceDereference.
 */
#define IOCTL_VF_GET_INTERFACE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_NEITHER, FILE_ANY_ACCESS)

static LONG g_InterfaceRefs;
static PDEVICE_OBJECT g_Provider;

static VOID NTAPI VfInterfaceReference(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    InterlockedIncrement(&g_InterfaceRefs);
}

static VOID NTAPI VfInterfaceDereference(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    InterlockedDecrement(&g_InterfaceRefs);
}

static NTSTATUS NTAPI ProviderDispatch(PDEVICE_OBJECT Device, PIRP Irp)
{
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(Irp);
    PINTERFACE out = (PINTERFACE)Irp->UserBuffer;
    NTSTATUS st = STATUS_INVALID_DEVICE_REQUEST;
    UNREFERENCED_PARAMETER(Device);
    if (sl->Parameters.DeviceIoControl.IoControlCode == IOCTL_VF_GET_INTERFACE &&
        sl->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(INTERFACE) && out != NULL) {
        out->Size = sizeof(INTERFACE);
        out->Version = 1;
        out->Context = Device;
        out->InterfaceReference = VfInterfaceReference;
        out->InterfaceDereference = VfInterfaceDereference;
        out->InterfaceReference(out->Context);
        Irp->IoStatus.Information = sizeof(INTERFACE);
        st = STATUS_SUCCESS;
    }
    Irp->IoStatus.Status = st;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return st;
}

static NTSTATUS NTAPI ProviderInit(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    Driver->MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = ProviderDispatch;
    return IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &g_Provider);
}

/* Gets the interface (referenced once) from the provider; Release = TRUE gives it back. */
static NTSTATUS UseInterface(BOOLEAN Release)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Driver\\VfProvider");
    INTERFACE iface;
    IO_STATUS_BLOCK iosb;
    KEVENT done;
    PIRP irp;
    NTSTATUS st;
    PDRIVER_OBJECT driver;

    g_Provider = NULL;
    st = IoCreateDriver(&name, ProviderInit);
    if (!NT_SUCCESS(st))
        return st;
    driver = g_Provider != NULL ? g_Provider->DriverObject : NULL;
    if (driver == NULL)
        return STATUS_UNSUCCESSFUL;
    RtlZeroMemory(&iface, sizeof iface);
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp = IoBuildDeviceIoControlRequest(IOCTL_VF_GET_INTERFACE, g_Provider, NULL, 0, &iface, sizeof iface, TRUE, &done, &iosb);
    st = irp == NULL ? STATUS_INSUFFICIENT_RESOURCES : IoCallDriver(g_Provider, irp);
    if (st == STATUS_PENDING) {
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        st = iosb.Status;
    }
    if (NT_SUCCESS(st) && Release)
        iface.InterfaceDereference(iface.Context);
    IoDeleteDevice(g_Provider);
    IoDeleteDriver(driver);
    return st;
}

LONG64 NTAPI InterfaceLeakBad(void)
{
    return UseInterface(FALSE);
}

LONG64 NTAPI InterfaceLeakClean(void)
{
    return UseInterface(TRUE);
}

/* Takes a new reference after dropping the last one: the object is already gone. */
LONG64 NTAPI ObjectReferenceDeletedBad(void)
{
    PVOID object;
    NTSTATUS st = ReferenceControlKey(&object);
    if (NT_SUCCESS(st)) {
        ObDereferenceObject(object);
        ObReferenceObject(object);
    }
    return st;
}

/* The extra reference taken while the object is still referenced, then both dropped. */
LONG64 NTAPI ObjectReferenceDeletedClean(void)
{
    PVOID object;
    NTSTATUS st = ReferenceControlKey(&object);
    if (NT_SUCCESS(st)) {
        ObReferenceObject(object);
        ObDereferenceObject(object);
        ObDereferenceObject(object);
    }
    return st;
}

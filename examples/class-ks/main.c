/*
 * classks.sys — DriverEntry checks ks.sys's KsInitializeDriver and classpnp.sys's ClassInitialize
 * (and pciidex.sys's PciIdeXInitialize) the way an AVStream minidriver, a PCI IDE controller
 * minidriver and a storage class driver call them, then stays registered
 * with classpnp: its ClassUnload runs at stop, through classpnp's ClassUnload. No device is ever
 * created (no storage or KS device reaches either library's AddDevice on kmdll's machine).
 */
#include <stddef.h>
#include "classks.h"

DRIVER_INITIALIZE DriverEntry;

#define CHECK(c) do { if (!(c)) { DbgPrint("FAIL %s (line %d)\n", #c, __LINE__); failures++; } } while (0)

static NTSTATUS OwnRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID OwnUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("classks: own unload (must not run: the class library owns DriverUnload)\n");
}

static VOID OwnClassUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("classks: class unload\n");
}

/* Callbacks classpnp only checks for presence (never called: no device exists). */
static NTSTATUS Stub2(PVOID a, PVOID b) { UNREFERENCED_PARAMETER(a); UNREFERENCED_PARAMETER(b); return STATUS_SUCCESS; }
static NTSTATUS Stub1(PVOID a) { UNREFERENCED_PARAMETER(a); return STATUS_SUCCESS; }

static void FillValid(CLASS_INIT_DATA *d)
{
    RtlZeroMemory(d, sizeof(*d));
    d->InitializationDataSize = sizeof(CLASS_INIT_DATA);
    d->FdoData.DeviceType = FILE_DEVICE_DISK;
    d->FdoData.ClassDeviceControl = (PVOID)Stub2;
    d->FdoData.ClassReadWriteVerification = (PVOID)Stub2;
    d->FdoData.ClassStartDevice = (PVOID)Stub1;
    d->ClassAddDevice = (PVOID)Stub2;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG failures = 0;
    NTSTATUS status;
    CLASS_INIT_DATA d;
    KSDEVICE_DESCRIPTOR desc;
    PDRIVER_DISPATCH ksCreate, untouched = DriverObject->MajorFunction[IRP_MJ_CREATE_NAMED_PIPE];
    PDRIVER_ADD_DEVICE ksAdd;

    DbgPrint("classks: layout %u %u %u %u %u\n", (ULONG)sizeof(CLASS_INIT_DATA), (ULONG)offsetof(CLASS_INIT_DATA, FdoData),
             (ULONG)offsetof(CLASS_INIT_DATA, PdoData), (ULONG)offsetof(CLASS_INIT_DATA, ClassAddDevice), (ULONG)offsetof(CLASS_INIT_DATA, ClassUnload));

    /* ks.sys: the minidriver's own entries first, as if set before KsInitializeDriver. */
    DriverObject->MajorFunction[IRP_MJ_READ] = OwnRead;
    DriverObject->DriverUnload = OwnUnload;
    RtlZeroMemory(&desc, sizeof(desc));
    desc.Version = KSDEVICE_DESCRIPTOR_VERSION;
    status = KsInitializeDriver(DriverObject, RegistryPath, &desc);
    CHECK(status == STATUS_SUCCESS);
    ksCreate = DriverObject->MajorFunction[IRP_MJ_CREATE];
    ksAdd = DriverObject->DriverExtension->AddDevice;
    CHECK(ksCreate != NULL && ksCreate != untouched);
    CHECK(DriverObject->MajorFunction[IRP_MJ_PNP] != untouched && DriverObject->MajorFunction[IRP_MJ_POWER] != untouched);
    CHECK(DriverObject->MajorFunction[IRP_MJ_READ] == OwnRead);           /* not a KS major function */
    CHECK(ksAdd != NULL);
    CHECK(DriverObject->DriverUnload != NULL && DriverObject->DriverUnload != OwnUnload);
    CHECK(DriverObject->DeviceObject == NULL);                            /* no device before AddDevice */
    /* NULL descriptor: default characteristics, allowed. */
    CHECK(KsInitializeDriver(DriverObject, RegistryPath, NULL) == STATUS_SUCCESS);
    /* A filter count without the array: accepted here (AVStream reads it at AddDevice). */
    desc.FilterDescriptorsCount = 2;
    CHECK(KsInitializeDriver(DriverObject, RegistryPath, &desc) == STATUS_SUCCESS);
    CHECK(DriverObject->DeviceObject == NULL);
    KsNullDriverUnload(DriverObject);                                     /* does nothing */
    CHECK(DriverObject->MajorFunction[IRP_MJ_CREATE] == ksCreate);

    /* pciidex.sys: the minidriver's extension is allocated once; pciidex owns PnP and AddDevice. */
    CHECK(PciIdeXInitialize(DriverObject, RegistryPath, (PCONTROLLER_PROPERTIES)Stub2, 64) == STATUS_SUCCESS);
    CHECK(DriverObject->DriverExtension->AddDevice != ksAdd && DriverObject->DriverExtension->AddDevice != NULL);
    CHECK(DriverObject->MajorFunction[IRP_MJ_PNP] != DriverObject->MajorFunction[IRP_MJ_CREATE]);
    CHECK(DriverObject->MajorFunction[IRP_MJ_CREATE] == ksCreate);
    CHECK(DriverObject->DriverUnload != NULL);
    CHECK(PciIdeXInitialize(DriverObject, RegistryPath, (PCONTROLLER_PROPERTIES)Stub2, 64) == STATUS_OBJECT_NAME_COLLISION);
    ksAdd = DriverObject->DriverExtension->AddDevice;

    /* classpnp.sys: wrong sizes and missing required routines leave the driver object alone. */
    FillValid(&d);
    d.InitializationDataSize = sizeof(CLASS_INIT_DATA) - 4;
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == (ULONG)STATUS_REVISION_MISMATCH);
    d.InitializationDataSize = sizeof(CLASS_INIT_DATA) + 8;
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == (ULONG)STATUS_REVISION_MISMATCH);
    FillValid(&d);
    d.FdoData.ClassStartDevice = NULL;
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == (ULONG)STATUS_REVISION_MISMATCH);
    FillValid(&d);
    d.FdoData.ClassReadWriteVerification = NULL;                         /* and no ClassStartIo */
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == (ULONG)STATUS_REVISION_MISMATCH);
    FillValid(&d);
    d.ClassAddDevice = NULL;
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == (ULONG)STATUS_REVISION_MISMATCH);
    FillValid(&d);
    d.ClassEnumerateDevice = (PVOID)Stub1;                                 /* PdoData left empty */
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == (ULONG)STATUS_REVISION_MISMATCH);
    CHECK(DriverObject->MajorFunction[IRP_MJ_CREATE] == ksCreate);
    CHECK(DriverObject->MajorFunction[IRP_MJ_READ] == OwnRead);
    CHECK(DriverObject->DriverExtension->AddDevice == ksAdd);

    /* Valid, with ClassUnload: classpnp owns the dispatch table and the unload. */
    FillValid(&d);
    d.ClassUnload = OwnClassUnload;
    status = (NTSTATUS)ClassInitialize(DriverObject, RegistryPath, &d);
    CHECK(status == STATUS_SUCCESS);
    CHECK(DriverObject->MajorFunction[IRP_MJ_CREATE] != ksCreate && DriverObject->MajorFunction[IRP_MJ_CREATE] != NULL);
    CHECK(DriverObject->MajorFunction[IRP_MJ_READ] != OwnRead && DriverObject->MajorFunction[IRP_MJ_READ] == DriverObject->MajorFunction[IRP_MJ_CREATE]);
    CHECK(DriverObject->MajorFunction[IRP_MJ_CREATE_NAMED_PIPE] == untouched);
    CHECK(DriverObject->DriverExtension->AddDevice != ksAdd && DriverObject->DriverExtension->AddDevice != NULL);
    CHECK(DriverObject->DriverUnload != NULL && DriverObject->DriverUnload != (PDRIVER_UNLOAD)OwnClassUnload);
    CHECK(DriverObject->DriverStartIo == NULL);                           /* no ClassStartIo */
    /* Again without ClassUnload: the entry points are set anew, and the driver cannot unload. */
    d.ClassUnload = NULL;
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == STATUS_SUCCESS);
    CHECK(DriverObject->DriverUnload == NULL);
    /* Again with ClassUnload, ClassStartIo and an enumerating driver's PDO routines. */
    d.ClassUnload = OwnClassUnload;
    d.ClassEnumerateDevice = (PVOID)Stub1;
    d.PdoData.ClassDeviceControl = (PVOID)Stub2;
    d.PdoData.ClassStartDevice = (PVOID)Stub1;
    d.ClassStartIo = (PVOID)Stub2;                                         /* stands in for PdoData.ClassReadWriteVerification */
    CHECK(ClassInitialize(DriverObject, RegistryPath, &d) == STATUS_SUCCESS);
    CHECK(DriverObject->DriverUnload != NULL && DriverObject->DriverUnload != (PDRIVER_UNLOAD)OwnClassUnload);
    CHECK(DriverObject->DriverStartIo != NULL);
    CHECK(DriverObject->DeviceObject == NULL);

    /* BdaSup.SYS: a BDA minidriver's import resolves (the address only: no BDA filter exists to call it on). */
    {
        PVOID volatile bda = (PVOID)BdaCheckChanges;
        CHECK(bda != NULL);
    }
    /* ks.sys!KsLoadResource: the driver's own RCDATA resources (classks.rc), by ID and by name. */
    {
        static const char text[] = "kmdll resource";
        PVOID res = NULL;
        ULONG size = 0;
        CHECK(KsLoadResource(DriverObject->DriverStart, NonPagedPoolNx, 102, 10 /* RT_RCDATA */, &res, &size) == STATUS_SUCCESS);
        CHECK(res != NULL && size == sizeof(text) && RtlCompareMemory(res, text, sizeof(text)) == sizeof(text));
        CHECK(res != (PVOID)((PUCHAR)DriverObject->DriverStart + 0));
        if (res) ExFreePool(res);
        res = NULL;
        CHECK(KsLoadResource(DriverObject->DriverStart, PagedPool, (ULONG_PTR)L"kmdllData", 10, &res, NULL) == STATUS_SUCCESS);
        CHECK(res != NULL && ((PUCHAR)res)[0] == 0x4b && ((PUCHAR)res)[3] == 0x4c);
        if (res) ExFreePool(res);
        CHECK(KsLoadResource(DriverObject->DriverStart, NonPagedPoolNx, 103, 10, &res, &size) == (NTSTATUS)0xC000008B);  /* STATUS_RESOURCE_NAME_NOT_FOUND */
        CHECK(KsLoadResource(DriverObject->DriverStart, NonPagedPoolNx, 102, 6 /* RT_STRING */, &res, &size) == (NTSTATUS)0xC000008A); /* STATUS_RESOURCE_TYPE_NOT_FOUND */
    }

    ClassDebugPrint(0, "classks: debug print works %d 0x%x\n", 42, 0xbeef);
    if (failures) return STATUS_UNSUCCESSFUL;
    DbgPrint("classks: all checks passed\n");
    return STATUS_SUCCESS;
}

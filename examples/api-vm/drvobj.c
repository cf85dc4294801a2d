/*
 * Driver objects made at run time with IoCreateDriver: the initialization routine runs with the
 * new object and a NULL RegistryPath; the object is named in \Driver; a failing routine leaves
 * no object behind; IoDeleteDriver drops it. Driver object extensions (IoAllocateDriverObjectExtension,
 * IoGetDriverObjectExtension) on the created object.
 */
#include "apivm.h"

static PDRIVER_OBJECT g_Created;
static int g_InitFailures;
static int g_InitCalls;

static NTSTATUS NTAPI CreatedDispatch(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID NTAPI CreatedUnload(PDRIVER_OBJECT Driver)
{
    UNREFERENCED_PARAMETER(Driver);
}

static NTSTATUS NTAPI InitOk(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    int failures = 0;
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, L"\\Driver\\ApiVmCreated");
    g_InitCalls++;
    CHECK(RegistryPath == NULL);
    CHECK(Driver->Type == IO_TYPE_DRIVER && Driver->DeviceObject == NULL);
    CHECK(RtlEqualUnicodeString(&Driver->DriverName, &name, TRUE));
    CHECK(Driver->DriverExtension != NULL && Driver->DriverExtension->DriverObject == Driver);
    CHECK(RtlEqualUnicodeString(&Driver->DriverExtension->ServiceKeyName, &name, TRUE));
    CHECK(Driver->MajorFunction[IRP_MJ_READ] != NULL && Driver->MajorFunction[IRP_MJ_READ] == Driver->MajorFunction[IRP_MJ_WRITE]);
    CHECK((PVOID)Driver->DriverInit == (PVOID)InitOk);
    Driver->MajorFunction[IRP_MJ_CREATE] = CreatedDispatch;
    Driver->MajorFunction[IRP_MJ_CLOSE] = NULL; /* filled in by IoCreateDriver afterwards */
    Driver->DriverUnload = CreatedUnload;
    /* Driver object extensions: one zeroed block per client identification address, freed with the object. */
    {
        PULONG ext = NULL, again = (PULONG)1, other = NULL;
        CHECK(IoAllocateDriverObjectExtension(Driver, (PVOID)InitOk, 64, (PVOID *)&ext) == STATUS_SUCCESS && ext != NULL);
        if (ext) CHECK(ext[0] == 0 && ext[15] == 0);
        CHECK(IoAllocateDriverObjectExtension(Driver, (PVOID)InitOk, 16, (PVOID *)&again) == STATUS_OBJECT_NAME_COLLISION && again == NULL);
        CHECK(IoAllocateDriverObjectExtension(Driver, (PVOID)CreatedUnload, 8, (PVOID *)&other) == STATUS_SUCCESS && other != NULL && other != ext);
        CHECK(IoGetDriverObjectExtension(Driver, (PVOID)InitOk) == ext);
        CHECK(IoGetDriverObjectExtension(Driver, (PVOID)CreatedUnload) == other);
        CHECK(IoGetDriverObjectExtension(Driver, (PVOID)CreatedDispatch) == NULL);
    }
    g_Created = Driver;
    g_InitFailures += failures;
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI InitFails(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(RegistryPath);
    g_InitCalls++;
    return STATUS_DEVICE_CONFIGURATION_ERROR;
}

static NTSTATUS NTAPI InitAnonymous(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Created = Driver;
    return STATUS_SUCCESS;
}

static NTSTATUS ByName(PCWSTR text, PVOID *object)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, text);
    *object = NULL;
    return ObReferenceObjectByName(&name, OBJ_CASE_INSENSITIVE, NULL, 0, *IoDriverObjectType, KernelMode, NULL, object);
}

int TestCreateDriver(void)
{
    int failures = 0;
    UNICODE_STRING name, prefix, relative;
    PVOID object = NULL;
    PDRIVER_OBJECT created;

    RtlInitUnicodeString(&name, L"\\Driver\\ApiVmCreated");
    g_Created = NULL;
    CHECK(IoCreateDriver(&name, InitOk) == STATUS_SUCCESS);
    CHECK(g_InitCalls == 1 && g_InitFailures == 0 && g_Created != NULL);
    created = g_Created;
    if (!created) return failures;
    /* Entries the routine left NULL are the I/O manager's default; its own stay. */
    CHECK(created->MajorFunction[IRP_MJ_CREATE] == CreatedDispatch);
    CHECK(created->MajorFunction[IRP_MJ_CLOSE] != NULL && created->MajorFunction[IRP_MJ_CLOSE] == created->MajorFunction[IRP_MJ_READ]);
    CHECK(created->DriverUnload == CreatedUnload);
    /* Named in the namespace; the name cannot be taken twice. */
    CHECK(ByName(L"\\Driver\\ApiVmCreated", &object) == STATUS_SUCCESS && object == created);
    if (object) ObDereferenceObject(object);
    CHECK(IoCreateDriver(&name, InitOk) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(g_InitCalls == 1);
    IoDeleteDriver(created);
    CHECK(ByName(L"\\Driver\\ApiVmCreated", &object) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* A failing initialization routine: its status comes back and no object is left. */
    RtlInitUnicodeString(&name, L"\\Driver\\ApiVmFails");
    CHECK(IoCreateDriver(&name, InitFails) == STATUS_DEVICE_CONFIGURATION_ERROR);
    CHECK(g_InitCalls == 2);
    CHECK(ByName(L"\\Driver\\ApiVmFails", &object) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* No name: \Driver\<tick count>. */
    g_Created = NULL;
    CHECK(IoCreateDriver(NULL, InitAnonymous) == STATUS_SUCCESS && g_Created != NULL);
    RtlInitUnicodeString(&prefix, L"\\Driver\\");
    if (g_Created) {
        CHECK(RtlPrefixUnicodeString(&prefix, &g_Created->DriverName, TRUE) && g_Created->DriverName.Length == prefix.Length + 16);
        IoDeleteDriver(g_Created);
    }

    /* A name that is not an absolute object path. */
    RtlInitUnicodeString(&relative, L"ApiVmRelative");
    CHECK(IoCreateDriver(&relative, InitOk) == STATUS_OBJECT_PATH_SYNTAX_BAD);
    return failures;
}

/* A wild DriverName pointer: read like any other (a fault report). */
int WildDriverName(void)
{
    return (int)IoCreateDriver((PUNICODE_STRING)(ULONG_PTR)0xFFFFA000DEAD0000ULL, InitOk);
}

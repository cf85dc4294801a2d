/*
 * TestFsRegistration: a legacy file system filter's registration for file system notifications
 * (Microsoft Learn: IoRegisterFsRegistrationChange, IoRegisterFsRegistrationChangeMountAware,
 * IoUnregisterFsRegistrationChange, DRIVER_FS_NOTIFICATION), as sfilter-style filters such as
 * BB-RUN.sys (DriverPack set fresh4) call it from DriverEntry: the routine is called at once, before
 * the call returns, for each file system already registered (RAW ignored) — here NTFS's control
 * device \Ntfs — with FsActive TRUE; registering the same pair again without unregistering is
 * STATUS_DEVICE_ALREADY_ATTACHED. Everything is unregistered before returning (a registration
 * left at unload is reported).
 */
#include "apiobio.h"

/* ntifs.h (Windows 7 and later; mingw-w64 10's ntifs.h lacks it, its import library has it). */
NTKERNELAPI NTSTATUS NTAPI IoRegisterFsRegistrationChangeMountAware(PDRIVER_OBJECT DriverObject, PDRIVER_FS_NOTIFICATION DriverNotificationRoutine, BOOLEAN SynchronizeWithMounts);

static ULONG g_FsCalls;
static PDEVICE_OBJECT g_FsDevice;
static BOOLEAN g_FsActive;
static KIRQL g_FsIrql = 0xFF;

static VOID NTAPI FsNotify(PDEVICE_OBJECT DeviceObject, BOOLEAN FsActive)
{
    g_FsCalls++;
    g_FsDevice = DeviceObject;
    g_FsActive = FsActive;
    g_FsIrql = KeGetCurrentIrql();
}

ULONG NTAPI TestFsRegistration(void)
{
    ULONG failures = 0;
    UNICODE_STRING ntfsName, driverName;
    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT ntfs = NULL;

    RtlInitUnicodeString(&ntfsName, L"\\Ntfs");
    CHECK(IoGetDeviceObjectPointer(&ntfsName, FILE_READ_ATTRIBUTES, &file, &ntfs) == STATUS_SUCCESS && ntfs != NULL);
    if (file) ObDereferenceObject(file);

    g_FsCalls = 0;
    CHECK(IoRegisterFsRegistrationChange(g_Driver, FsNotify) == STATUS_SUCCESS);
    /* Called once before it returned: NTFS's control device, registered, at PASSIVE_LEVEL. */
    CHECK(g_FsCalls == 1 && g_FsDevice == ntfs && g_FsActive == TRUE && g_FsIrql == PASSIVE_LEVEL);
    if (g_FsDevice != NULL) {
        RtlInitUnicodeString(&driverName, L"\\FileSystem\\Ntfs");
        CHECK(g_FsDevice->DeviceType == FILE_DEVICE_DISK_FILE_SYSTEM);
        CHECK(RtlEqualUnicodeString(&g_FsDevice->DriverObject->DriverName, &driverName, TRUE));
    }
    /* The same pair again: STATUS_DEVICE_ALREADY_ATTACHED, no new call. */
    CHECK(IoRegisterFsRegistrationChange(g_Driver, FsNotify) == STATUS_DEVICE_ALREADY_ATTACHED);
    CHECK(g_FsCalls == 1);
    IoUnregisterFsRegistrationChange(g_Driver, FsNotify);
    /* Unregistering a pair that is not registered changes nothing. */
    IoUnregisterFsRegistrationChange(g_Driver, FsNotify);

    /* Registered anew (the MountAware form): called again for NTFS. */
    g_FsCalls = 0;
    g_FsDevice = NULL;
    CHECK(IoRegisterFsRegistrationChangeMountAware(g_Driver, FsNotify, TRUE) == STATUS_SUCCESS);
    CHECK(g_FsCalls == 1 && g_FsDevice == ntfs);
    CHECK(IoRegisterFsRegistrationChangeMountAware(g_Driver, FsNotify, FALSE) == STATUS_DEVICE_ALREADY_ATTACHED);
    IoUnregisterFsRegistrationChange(g_Driver, FsNotify);
    return failures;
}

/* A pointer that is not a driver object: the I/O manager dereferences it (a bug check report). */
ULONG NTAPI WildFsRegistration(void)
{
    return (ULONG)IoRegisterFsRegistrationChange((PDRIVER_OBJECT)&g_FsCalls, FsNotify);
}

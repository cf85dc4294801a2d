/*
 * apidrvld: ZwLoadDriver / ZwUnloadDriver (Microsoft Learn; NtLoadDriver / NtUnloadDriver in kernel
 * mode) checked in C against the statuses Windows documents and returns. Prints the number of
 * failed checks ("apidrvld: 0 failed check(s)") for test/api-drvload.test.ts.
 */
#include "../include/drvload.h"
#include "../include/apitest.h"

#define SELF DRVLOAD_SERVICES L"apidrvld"

static NTSTATUS Load(PCWSTR path)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, path);
    return ZwLoadDriver(&u);
}

static NTSTATUS Unload(PCWSTR path)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, path);
    return ZwUnloadDriver(&u);
}

static NTSTATUS SetImagePath(PCWSTR service, PCWSTR imagePath)
{
    return DrvLoadWrite(service, L"ImagePath", REG_EXPAND_SZ, imagePath, (ULONG)(wcslen(imagePath) + 1) * sizeof(WCHAR));
}

static ULONG Entries(void) { return DrvLoadReadDword(DRVLOAD_TARGET, L"Entries"); }
static ULONG Unloads(void) { return DrvLoadReadDword(DRVLOAD_TARGET, L"Unloads"); }

static LONG Checks(void)
{
    LONG failures = 0;
    ULONG dword = 1;

    /* Names: empty, relative, a key that does not exist. */
    CHECK(Load(L"") == STATUS_INVALID_PARAMETER);
    CHECK(Load(L"Services\\apidrvtg") == STATUS_OBJECT_PATH_SYNTAX_BAD);
    CHECK(Load(DRVLOAD_SERVICES L"apidrvnone") == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(Unload(L"") == STATUS_INVALID_PARAMETER);
    CHECK(Unload(DRVLOAD_SERVICES L"apidrvnone") == STATUS_OBJECT_NAME_NOT_FOUND);

    /* The target's service key, as its installer (the SCM, an INF) writes it. */
    CHECK(NT_SUCCESS(DrvLoadWriteDword(DRVLOAD_TARGET, L"Type", SERVICE_KERNEL_DRIVER)));
    CHECK(NT_SUCCESS(DrvLoadWriteDword(DRVLOAD_TARGET, L"Start", SERVICE_DEMAND_START)));
    CHECK(NT_SUCCESS(SetImagePath(DRVLOAD_TARGET, L"\\SystemRoot\\System32\\drivers\\apidrvtg.sys")));

    /* Load: DriverEntry runs once with its registry path; a second load finds the image loaded. */
    CHECK(Load(DRVLOAD_TARGET) == STATUS_SUCCESS);
    CHECK(Entries() == 1);
    CHECK(Load(DRVLOAD_TARGET) == STATUS_IMAGE_ALREADY_LOADED);
    CHECK(Entries() == 1);

    /* ImagePath forms that name the same file inside the system root: the image is already loaded. */
    CHECK(NT_SUCCESS(SetImagePath(DRVLOAD_SERVICES L"apidrvsr", L"\\SystemRoot\\System32\\drivers\\apidrvtg.sys")));
    CHECK(Load(DRVLOAD_SERVICES L"apidrvsr") == STATUS_IMAGE_ALREADY_LOADED);
    CHECK(NT_SUCCESS(SetImagePath(DRVLOAD_SERVICES L"apidrvdos", L"\\??\\C:\\Windows\\System32\\drivers\\apidrvtg.sys")));
    CHECK(Load(DRVLOAD_SERVICES L"apidrvdos") == STATUS_IMAGE_ALREADY_LOADED);
    CHECK(NT_SUCCESS(SetImagePath(DRVLOAD_SERVICES L"apidrvrel", L"System32\\drivers\\apidrvtg.sys")));
    CHECK(Load(DRVLOAD_SERVICES L"apidrvrel") == STATUS_IMAGE_ALREADY_LOADED);
    /* Outside the system root: nothing is loaded (kmdll never opens a host path outside --root). */
    CHECK(NT_SUCCESS(SetImagePath(DRVLOAD_SERVICES L"apidrvout", L"\\??\\D:\\outside\\apidrvtg.sys")));
    CHECK(Load(DRVLOAD_SERVICES L"apidrvout") == STATUS_OBJECT_PATH_NOT_FOUND);
    CHECK(NT_SUCCESS(SetImagePath(DRVLOAD_SERVICES L"apidrvup", L"\\SystemRoot\\..\\..\\apidrvtg.sys")));
    CHECK(Load(DRVLOAD_SERVICES L"apidrvup") == STATUS_OBJECT_PATH_NOT_FOUND);
    /* An ImagePath that is no string, or an empty one. */
    CHECK(NT_SUCCESS(DrvLoadWrite(DRVLOAD_SERVICES L"apidrvdw", L"ImagePath", REG_DWORD, &dword, sizeof(dword))));
    CHECK(Load(DRVLOAD_SERVICES L"apidrvdw") == STATUS_ILL_FORMED_SERVICE_ENTRY);
    CHECK(NT_SUCCESS(SetImagePath(DRVLOAD_SERVICES L"apidrvmt", L"")));
    CHECK(Load(DRVLOAD_SERVICES L"apidrvmt") == STATUS_ILL_FORMED_SERVICE_ENTRY);

    /* Unload: DriverUnload runs once; the driver object is gone afterwards. */
    CHECK(Unload(DRVLOAD_TARGET) == STATUS_SUCCESS);
    CHECK(Unloads() == 1);
    CHECK(Unload(DRVLOAD_TARGET) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* Loaded again: a fresh DriverEntry. */
    CHECK(Load(DRVLOAD_TARGET) == STATUS_SUCCESS);
    CHECK(Entries() == 2);
    CHECK(Unload(DRVLOAD_TARGET) == STATUS_SUCCESS);
    CHECK(Unloads() == 2);

    /* DriverEntry fails: its status comes back and the image is unloaded (no DriverUnload call). */
    CHECK(NT_SUCCESS(DrvLoadWriteDword(DRVLOAD_TARGET, L"FailEntry", 1)));
    CHECK(Load(DRVLOAD_TARGET) == STATUS_DEVICE_CONFIGURATION_ERROR);
    CHECK(Entries() == 3);
    CHECK(Unload(DRVLOAD_TARGET) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(Unloads() == 2);
    CHECK(NT_SUCCESS(DrvLoadWriteDword(DRVLOAD_TARGET, L"FailEntry", 0)));

    /* A driver without DriverUnload cannot be unloaded: STATUS_INVALID_DEVICE_REQUEST, it stays. */
    CHECK(NT_SUCCESS(DrvLoadWriteDword(DRVLOAD_TARGET, L"NoUnload", 1)));
    CHECK(Load(DRVLOAD_TARGET) == STATUS_SUCCESS);
    CHECK(Unload(DRVLOAD_TARGET) == STATUS_INVALID_DEVICE_REQUEST);
    CHECK(Load(DRVLOAD_TARGET) == STATUS_IMAGE_ALREADY_LOADED);
    CHECK(Entries() == 4);
    CHECK(Unloads() == 2);
    return failures;
}

static VOID NTAPI SelfUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("apidrvld: DriverUnload\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG mode = DrvLoadReadDword(SELF, L"Mode");
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = NULL;
    if (mode == 1) {
        /* A wild DriverServiceName: kernel mode does not probe it, so the kernel faults. */
        return ZwLoadDriver((PUNICODE_STRING)(ULONG_PTR)0x28);
    }
    if (mode == 2) {
        /* Unloading itself from its own code. */
        DriverObject->DriverUnload = SelfUnload;
        return Unload(SELF);
    }
    if (mode == 3) {
        /* The loaded driver crashes in its DriverEntry. */
        DrvLoadWriteDword(DRVLOAD_TARGET, L"Crash", 1);
        return Load(DRVLOAD_TARGET);
    }
    if (mode == 4) {
        /* A PnP driver (it set AddDevice) is not unloaded by ZwUnloadDriver. */
        NTSTATUS load, unload;
        DrvLoadWriteDword(DRVLOAD_TARGET, L"Pnp", 1);
        load = Load(DRVLOAD_TARGET);
        unload = Unload(DRVLOAD_TARGET);
        DbgPrint("apidrvld: pnp load 0x%08x unload 0x%08x\n", load, unload);
        return STATUS_SUCCESS;
    }
    DbgPrint("apidrvld: %d failed check(s)\n", Checks());
    return STATUS_SUCCESS;
}

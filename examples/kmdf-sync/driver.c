/* kmdfsync: DriverEntry (control device with a default queue), the export-driver entry points, the class bind. */
#define KMDFMIN_STUB
#include "kmdfsync.h"

WDFDEVICE KmdfSyncDevice;
WDFDRIVER KmdfSyncDriver;
static ULONG DeviceFlags;
static ULONG RegistryPathCheck = 100;

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(VOID) { return STATUS_SUCCESS; }

static EVT_WDF_DRIVER_UNLOAD KmdfSyncEvtDriverUnload;
static VOID KmdfSyncEvtDriverUnload(WDFDRIVER Driver) { UNREFERENCED_PARAMETER(Driver); }

/* WdfDriverGetRegistryPath: the framework's own NUL-terminated copy of DriverEntry's RegistryPath. */
static ULONG CheckRegistryPath(PCUNICODE_STRING RegistryPath)
{
    PWSTR path = WdfDriverGetRegistryPath(KmdfSyncDriver);
    USHORT i, n = RegistryPath->Length / sizeof(WCHAR);
    if (path == NULL) return 1;
    if (path == RegistryPath->Buffer) return 2;
    for (i = 0; i < n; i++)
        if (path[i] != RegistryPath->Buffer[i]) return 3;
    if (path[n] != L'\0') return 4;
    /* Twice the same buffer. */
    if (WdfDriverGetRegistryPath(KmdfSyncDriver) != path) return 5;
    return 0;
}

/* 0 when WdfDriverGetRegistryPath checked out in DriverEntry and the path names the service key. */
ULONG NTAPI TestRegistryPath(VOID)
{
    PWSTR path = WdfDriverGetRegistryPath(KmdfSyncDriver);
    static const WCHAR tail[] = L"\\kmdfsync";
    size_t n = 0, t = sizeof(tail) / sizeof(WCHAR) - 1, i;
    if (RegistryPathCheck != 0) return 10 + RegistryPathCheck;
    while (path[n] != L'\0') n++;
    if (n < t) return 20;
    for (i = 0; i < t; i++) {
        WCHAR c = path[n - t + i];
        if (c >= L'A' && c <= L'Z') c = (WCHAR)(c - L'A' + L'a');
        if (c != tail[i]) return 21;
    }
    return 0;
}

/* EvtDeviceWdmIrpPreprocess for IRP_MJ_DEVICE_CONTROL (minor 0): counts the IRPs it sees; 0x222010 it
   completes itself with that count, the others it hands back to the framework (their queue handles them). */
static ULONG PreprocessCount, PreprocessCheck = 100;
static NTSTATUS NTAPI KmdfSyncPreprocess(WDFDEVICE Device, PIRP Irp)
{
    PIO_STACK_LOCATION sl = IoGetCurrentIrpStackLocation(Irp);
    PreprocessCount++;
    if (sl->Parameters.DeviceIoControl.IoControlCode == 0x222010 && sl->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(ULONG)) {
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = PreprocessCount;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Irp->IoStatus.Information = sizeof(ULONG);
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return WdfDeviceWdmDispatchPreprocessedIrp(Device, Irp);
}

/* 0 when WdfDeviceInitAssignWdmIrpPreprocessCallback refused a major code past IRP_MJ_MAXIMUM_FUNCTION and minor codes
   assigned twice, and took the first assignment. */
static ULONG AssignPreprocess(PWDFDEVICE_INIT init)
{
    UCHAR minors[1] = { 0 };
    if (WdfDeviceInitAssignWdmIrpPreprocessCallback(init, KmdfSyncPreprocess, IRP_MJ_MAXIMUM_FUNCTION + 1, NULL, 0) != STATUS_INVALID_PARAMETER) return 1;
    if (WdfDeviceInitAssignWdmIrpPreprocessCallback(init, KmdfSyncPreprocess, IRP_MJ_DEVICE_CONTROL, minors, 1) != STATUS_SUCCESS) return 2;
    if (WdfDeviceInitAssignWdmIrpPreprocessCallback(init, KmdfSyncPreprocess, IRP_MJ_DEVICE_CONTROL, minors, 1) != STATUS_INVALID_DEVICE_REQUEST) return 3;
    return 0;
}

ULONG NTAPI TestPreprocess(VOID) { return PreprocessCheck; }

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    PWDFDEVICE_INIT init;
    UNICODE_STRING name, link;
    WDF_IO_TYPE_CONFIG ioType;
    NTSTATUS status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;
    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNonPnpDriver;
    config.EvtDriverUnload = KmdfSyncEvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &KmdfSyncDriver);
    if (!NT_SUCCESS(status)) return status;
    RegistryPathCheck = CheckRegistryPath(RegistryPath);
    init = WdfControlDeviceInitAllocate(KmdfSyncDriver, NULL);
    if (init == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    RtlInitUnicodeString(&name, KMDFSYNC_DEVICE);
    status = WdfDeviceInitAssignName(init, &name);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init);
        return status;
    }
    /* Read/write I/O type: a config of the wrong size changes nothing; then direct I/O. */
    RtlZeroMemory(&ioType, sizeof(ioType));
    ioType.Size = 8;
    ioType.ReadWriteIoType = WdfDeviceIoNeither;
    WdfDeviceInitSetIoTypeEx(init, &ioType);
    ioType.Size = sizeof(ioType);
    ioType.ReadWriteIoType = WdfDeviceIoDirect;
    WdfDeviceInitSetIoTypeEx(init, &ioType);
    PreprocessCheck = AssignPreprocess(init);
    status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &KmdfSyncDevice);
    if (!NT_SUCCESS(status)) return status;
    DeviceFlags = WdfDeviceWdmGetDeviceObject(KmdfSyncDevice)->Flags;
    RtlInitUnicodeString(&link, KMDFSYNC_LINK);
    status = WdfDeviceCreateSymbolicLink(KmdfSyncDevice, &link);
    if (!NT_SUCCESS(status)) return status;
    status = KmdfSyncCreateQueue(KmdfSyncDevice);
    if (!NT_SUCCESS(status)) return status;
    WdfControlFinishInitializing(KmdfSyncDevice);
    return STATUS_SUCCESS;
}

/* 0 when WdfDeviceInitSetIoTypeEx made the control device a direct-I/O one (DO_DIRECT_IO, not DO_BUFFERED_IO). */
ULONG NTAPI TestIoType(VOID)
{
    if (!(DeviceFlags & DO_DIRECT_IO)) return 1;
    if (DeviceFlags & DO_BUFFERED_IO) return 2;
    return 0;
}

/* A driver built on a class extension binds it after the framework: WindowsTrustedRT (the trusted
 * runtime class Qualcomm's QcTrEE binds; its DDIs are not public, so kmdll does not model it). */
NTSTATUS NTAPI BindUnmodelledClass(VOID)
{
    static WDF_BIND_INFO info;
    static KMDFSYNC_CLASS_BIND_INFO cls;
    info.Size = sizeof(info);
    info.Component = L"KmdfLibrary";
    cls.Size = sizeof(cls);
    cls.ClassName = L"WindowsTrustedRT";
    cls.Version.Major = 1;
    cls.Version.Minor = 0;
    return WdfVersionBindClass(&info, WdfDriverGlobals, &cls);
}

/* A control device created with the SDDL string in Init, or the status WdfDeviceCreate failed with. */
static NTSTATUS CreateWithSddl(PCUNICODE_STRING AllocSddl, PCUNICODE_STRING Sddl, BOOLEAN Assign)
{
    UNICODE_STRING name;
    WDFDEVICE device;
    NTSTATUS status;
    PWDFDEVICE_INIT init = WdfControlDeviceInitAllocate(KmdfSyncDriver, AllocSddl);
    if (init == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    RtlInitUnicodeString(&name, L"\\Device\\KmdfSyncSddl");
    status = WdfDeviceInitAssignName(init, &name);
    if (NT_SUCCESS(status) && Assign) status = WdfDeviceInitAssignSDDLString(init, Sddl);
    if (NT_SUCCESS(status)) status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init);
        return status;
    }
    WdfObjectDelete(device);
    return STATUS_SUCCESS;
}

/* WdfDeviceInitAssignSDDLString: well-formed device-object SDDL creates the device, a malformed
   string fails WdfDeviceCreate (IoCreateDeviceSecure) with STATUS_INVALID_PARAMETER. */
ULONG NTAPI TestSddl(VOID)
{
    static const PCWSTR good[] = {
        L"D:P",                                                  /* SDDL_DEVOBJ_KERNEL_ONLY (wdmsec.h): no ACE */
        L"D:P(A;;GA;;;SY)(A;;GA;;;BA)",                          /* SDDL_DEVOBJ_SYS_ALL_ADM_ALL */
        L"D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)",          /* SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_R */
        L"D:P(A;;GA;;;SY)(A;;0x1200a9;;;S-1-5-32-545)",
    };
    static const PCWSTR bad[] = {
        L"O:BAD:P(A;;GA;;;SY)", L"D:P(A;;GA;;SY)", L"D:P(A;;GA;;;XX)", L"D:P(D;;GA;;;WD)",
        L"D:P(A;;GQ;;;SY)", L"D:P(A;;GA;;;SY", L"D:P(A;OICI;GA;;;SY)", L"(A;;GA;;;SY)", L"",
    };
    UNICODE_STRING s, odd;
    ULONG i;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        RtlInitUnicodeString(&s, good[i]);
        if (CreateWithSddl(NULL, &s, TRUE) != STATUS_SUCCESS) return 1 + i;
        /* The string WdfControlDeviceInitAllocate took is applied the same way. */
        if (CreateWithSddl(&s, NULL, FALSE) != STATUS_SUCCESS) return 10 + i;
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        RtlInitUnicodeString(&s, bad[i]);
        if (CreateWithSddl(NULL, &s, TRUE) != STATUS_INVALID_PARAMETER) return 20 + i;
        if (CreateWithSddl(&s, NULL, FALSE) != STATUS_INVALID_PARAMETER) return 40 + i;
    }
    /* NULL removes the string assigned before: the device is created. */
    RtlInitUnicodeString(&s, bad[0]);
    if (CreateWithSddl(&s, NULL, TRUE) != STATUS_SUCCESS) return 60;
    /* Not a UNICODE_STRING (odd Length): refused by the assign itself. */
    RtlInitUnicodeString(&odd, good[0]);
    odd.Length = 3;
    if (CreateWithSddl(NULL, &odd, TRUE) != STATUS_INVALID_PARAMETER) return 61;
    return 0;
}

/* A control device has no PnP registry keys (IoOpenDeviceRegistryKey wants a PDO). */
ULONG NTAPI TestRegistryControl(VOID)
{
    WDFKEY key = (WDFKEY)1;
    if (WdfDeviceOpenRegistryKey(KmdfSyncDevice, PLUGPLAY_REGKEY_DEVICE, KEY_READ, WDF_NO_OBJECT_ATTRIBUTES, &key) != STATUS_INVALID_DEVICE_REQUEST) return 1;
    if (key != NULL) return 2;
    return 0;
}

/* A WDFDEVICE where a WDFKEY belongs: a WDF_VIOLATION. */
VOID NTAPI BadRegistryKey(VOID)
{
    WdfRegistryClose((WDFKEY)KmdfSyncDevice);
}

/* WdfInterruptCreate's argument checks (KMDF's order): a wrong Size, a NULL EvtInterruptIsr, a
   ParentObject without AutomaticSerialization, both a DPC and a work item; nothing is returned. */
static BOOLEAN NTAPI SyncIsr(WDFINTERRUPT Interrupt, ULONG MessageID) { UNREFERENCED_PARAMETER(Interrupt); UNREFERENCED_PARAMETER(MessageID); return FALSE; }
static VOID NTAPI SyncDpc(WDFINTERRUPT Interrupt, WDFOBJECT Object) { UNREFERENCED_PARAMETER(Interrupt); UNREFERENCED_PARAMETER(Object); }
ULONG NTAPI TestInterrupt(VOID)
{
    WDF_INTERRUPT_CONFIG c;
    WDF_OBJECT_ATTRIBUTES a;
    WDFINTERRUPT i = NULL;
    RtlZeroMemory(&c, sizeof(c));
    c.Size = 12; c.EvtInterruptIsr = SyncIsr; /* no version's size on any arch */
    if (WdfInterruptCreate(KmdfSyncDevice, &c, WDF_NO_OBJECT_ATTRIBUTES, &i) != STATUS_INFO_LENGTH_MISMATCH) return 1;
    c.Size = sizeof(c); c.EvtInterruptIsr = NULL;
    if (WdfInterruptCreate(KmdfSyncDevice, &c, WDF_NO_OBJECT_ATTRIBUTES, &i) != STATUS_INVALID_PARAMETER) return 2;
    c.EvtInterruptIsr = SyncIsr;
    WDF_OBJECT_ATTRIBUTES_INIT(&a); a.ParentObject = KmdfSyncDevice;
    if (WdfInterruptCreate(KmdfSyncDevice, &c, &a, &i) != (NTSTATUS)0xC020020FL) return 3; /* STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED (wdfstatus.h) */
    c.EvtInterruptDpc = SyncDpc; c.EvtInterruptWorkItem = (PVOID)SyncDpc;
    if (WdfInterruptCreate(KmdfSyncDevice, &c, WDF_NO_OBJECT_ATTRIBUTES, &i) != STATUS_INVALID_PARAMETER) return 4;
    if (i != NULL) return 5;
    return 0;
}

/* A NULL Configuration: a WDF_VIOLATION. */
VOID NTAPI BadInterruptConfig(VOID)
{
    WDFINTERRUPT i;
    WdfInterruptCreate(KmdfSyncDevice, NULL, WDF_NO_OBJECT_ATTRIBUTES, &i);
}

/* One control device with the characteristics WdfDeviceInitSetCharacteristics left in its
   WDFDEVICE_INIT: the DEVICE_OBJECT's Characteristics, or MAXULONG when it could not be made. */
static ULONG CharacteristicsAfter(ULONG First, ULONG Second, BOOLEAN OrSecond)
{
    UNICODE_STRING name, sddl;
    WDFDEVICE device;
    ULONG c;
    PWDFDEVICE_INIT init;
    RtlInitUnicodeString(&sddl, L"D:P");
    init = WdfControlDeviceInitAllocate(KmdfSyncDriver, &sddl);
    if (init == NULL) return MAXULONG;
    RtlInitUnicodeString(&name, L"\\Device\\KmdfSyncChars");
    WdfDeviceInitSetCharacteristics(init, First, FALSE);
    WdfDeviceInitSetCharacteristics(init, Second, OrSecond);
    if (!NT_SUCCESS(WdfDeviceInitAssignName(init, &name)) || !NT_SUCCESS(WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device))) {
        WdfDeviceInitFree(init);
        return MAXULONG;
    }
    c = WdfDeviceWdmGetDeviceObject(device)->Characteristics;
    WdfObjectDelete(device);
    return c;
}

/* WdfDeviceInitSetCharacteristics (Learn): OrInValues TRUE ORs the value into the current one, FALSE
   replaces it; the framework always sets FILE_DEVICE_SECURE_OPEN. ProtonVPN's and Windscribe's WFP
   callout drivers set their control device's characteristics so (with SDDL_DEVOBJ_KERNEL_ONLY). */
ULONG NTAPI TestCharacteristics(VOID)
{
    if (CharacteristicsAfter(FILE_REMOVABLE_MEDIA, FILE_READ_ONLY_DEVICE, TRUE) != (FILE_REMOVABLE_MEDIA | FILE_READ_ONLY_DEVICE | FILE_DEVICE_SECURE_OPEN)) return 1;
    if (CharacteristicsAfter(FILE_REMOVABLE_MEDIA, FILE_READ_ONLY_DEVICE, FALSE) != (FILE_READ_ONLY_DEVICE | FILE_DEVICE_SECURE_OPEN)) return 2;
    if (CharacteristicsAfter(0, 0, FALSE) != FILE_DEVICE_SECURE_OPEN) return 3;
    return 0;
}

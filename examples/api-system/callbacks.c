/*
 * Notify routines and callbacks (registered, rejected when invalid, removed), callback objects,
 * the StartIo queue of a device, error log entries and the power routines.
 */
#include "apisys.h"

static VOID NTAPI OnProcess(HANDLE ParentId, HANDLE ProcessId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ParentId);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(Create);
}
static VOID NTAPI OnProcessEx(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO Info)
{
    UNREFERENCED_PARAMETER(Process);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(Info);
}
static VOID NTAPI OnThread(HANDLE ProcessId, HANDLE ThreadId, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(ThreadId);
    UNREFERENCED_PARAMETER(Create);
}
static VOID NTAPI OnImage(PUNICODE_STRING Name, HANDLE ProcessId, PIMAGE_INFO Info)
{
    UNREFERENCED_PARAMETER(Name);
    UNREFERENCED_PARAMETER(ProcessId);
    UNREFERENCED_PARAMETER(Info);
}
static OB_PREOP_CALLBACK_STATUS NTAPI OnHandle(PVOID Context, POB_PRE_OPERATION_INFORMATION Info)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Info);
    return OB_PREOP_SUCCESS;
}
static NTSTATUS NTAPI OnRegistry(PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    return STATUS_SUCCESS;
}

int TestNotify(void)
{
    int failures = 0;
    OB_CALLBACK_REGISTRATION reg;
    OB_OPERATION_REGISTRATION op;
    PVOID obHandle = NULL, obHandle2 = NULL;
    LARGE_INTEGER cookie;
    UNICODE_STRING altitude;

    CHECK(PsSetCreateProcessNotifyRoutine(OnProcess, FALSE) == STATUS_SUCCESS);
    CHECK(PsSetCreateProcessNotifyRoutine(OnProcess, FALSE) == STATUS_INVALID_PARAMETER); /* twice */
    CHECK(PsSetCreateProcessNotifyRoutine(OnProcess, TRUE) == STATUS_SUCCESS);
    CHECK(PsSetCreateProcessNotifyRoutine(OnProcess, TRUE) == STATUS_INVALID_PARAMETER); /* not registered */
    /* This image links with /INTEGRITYCHECK, so the Ex form is allowed. */
    CHECK(PsSetCreateProcessNotifyRoutineEx(OnProcessEx, FALSE) == STATUS_SUCCESS);
    CHECK(PsSetCreateProcessNotifyRoutineEx(OnProcessEx, TRUE) == STATUS_SUCCESS);
    CHECK(PsSetCreateThreadNotifyRoutine(OnThread) == STATUS_SUCCESS);
    CHECK(PsRemoveCreateThreadNotifyRoutine(OnThread) == STATUS_SUCCESS);
    CHECK(PsRemoveCreateThreadNotifyRoutine(OnThread) == STATUS_PROCEDURE_NOT_FOUND);
    CHECK(PsSetLoadImageNotifyRoutine(OnImage) == STATUS_SUCCESS);
    CHECK(PsRemoveLoadImageNotifyRoutine(OnImage) == STATUS_SUCCESS);

    CHECK(ObGetFilterVersion() == OB_FLT_REGISTRATION_VERSION);
    RtlZeroMemory(&op, sizeof(op));
    op.ObjectType = PsProcessType;
    op.Operations = OB_OPERATION_HANDLE_CREATE | OB_OPERATION_HANDLE_DUPLICATE;
    op.PreOperation = OnHandle;
    RtlZeroMemory(&reg, sizeof(reg));
    reg.Version = OB_FLT_REGISTRATION_VERSION;
    reg.OperationRegistrationCount = 1;
    RtlInitUnicodeString(&reg.Altitude, L"321000");
    reg.OperationRegistration = &op;
    CHECK(ObRegisterCallbacks(&reg, &obHandle) == STATUS_SUCCESS && obHandle != NULL);
    CHECK(ObRegisterCallbacks(&reg, &obHandle2) == STATUS_FLT_INSTANCE_ALTITUDE_COLLISION);
    reg.Version = 0x99;
    CHECK(ObRegisterCallbacks(&reg, &obHandle2) == STATUS_INVALID_PARAMETER);
    if (obHandle) ObUnRegisterCallbacks(obHandle);

    RtlInitUnicodeString(&altitude, L"380000");
    CHECK(CmRegisterCallbackEx(OnRegistry, &altitude, (PVOID)TestNotify, NULL, &cookie, NULL) == STATUS_SUCCESS);
    CHECK(CmUnRegisterCallback(cookie) == STATUS_SUCCESS);
    CHECK(CmUnRegisterCallback(cookie) == STATUS_INVALID_PARAMETER);
    CHECK(CmRegisterCallback(OnRegistry, NULL, &cookie) == STATUS_SUCCESS);
    CHECK(CmUnRegisterCallback(cookie) == STATUS_SUCCESS);
    return failures;
}

static LONG g_Notified;

static VOID NTAPI OnCallback(PVOID Context, PVOID Argument1, PVOID Argument2)
{
    g_Notified += (LONG)(ULONG_PTR)Context + (LONG)(ULONG_PTR)Argument1 + (LONG)(ULONG_PTR)Argument2;
}

static BOOLEAN NTAPI OnNmi(PVOID Context, BOOLEAN Handled)
{
    UNREFERENCED_PARAMETER(Context);
    return Handled;
}

static VOID NTAPI OnBugCheck(PVOID Buffer, ULONG Length)
{
    UNREFERENCED_PARAMETER(Buffer);
    UNREFERENCED_PARAMETER(Length);
}

static NTSTATUS NTAPI OnPowerSetting(LPCGUID Setting, PVOID Value, ULONG Length, PVOID Context)
{
    UNREFERENCED_PARAMETER(Setting);
    UNREFERENCED_PARAMETER(Value);
    UNREFERENCED_PARAMETER(Length);
    UNREFERENCED_PARAMETER(Context);
    return STATUS_SUCCESS;
}

static NTSTATUS NTAPI OnPnp(PVOID Notification, PVOID Context)
{
    UNREFERENCED_PARAMETER(Notification);
    UNREFERENCED_PARAMETER(Context);
    return STATUS_SUCCESS;
}

static const GUID g_Guid = { 0x12345678, 0x1234, 0x1234, { 1, 2, 3, 4, 5, 6, 7, 8 } };

int TestCallbackObjects(void)
{
    int failures = 0;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    PCALLBACK_OBJECT cb = NULL, again = NULL;
    PVOID r1, r2, nmi, power = NULL, pnp = NULL;
    KBUGCHECK_CALLBACK_RECORD record;
    static DRIVER_OBJECT driver;
    static DEVICE_OBJECT device;

    RtlInitUnicodeString(&name, L"\\Callback\\ApiSysTest");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_PERMANENT, NULL, NULL);
    CHECK(ExCreateCallback(&cb, &oa, FALSE, TRUE) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(ExCreateCallback(&cb, &oa, TRUE, TRUE) == STATUS_SUCCESS && cb != NULL);
    CHECK(ExCreateCallback(&again, &oa, FALSE, TRUE) == STATUS_SUCCESS && again == cb);
    r1 = ExRegisterCallback(cb, OnCallback, (PVOID)1);
    r2 = ExRegisterCallback(cb, OnCallback, (PVOID)10);
    CHECK(r1 != NULL && r2 != NULL);
    g_Notified = 0;
    ExNotifyCallback(cb, (PVOID)100, (PVOID)1000);
    CHECK(g_Notified == (1 + 1100) + (10 + 1100));
    ExUnregisterCallback(r1);
    ExNotifyCallback(cb, (PVOID)0, (PVOID)0);
    CHECK(g_Notified == 2211 + 10);
    ExUnregisterCallback(r2);
    /* Each successful ExCreateCallback returned a reference (Learn: release it with ObDereferenceObject). */
    ObDereferenceObject(again);
    ObDereferenceObject(cb);
    /* A callback object the system defines (Learn, ExCreateCallback) opens without Create; several may register. */
    RtlInitUnicodeString(&name, L"\\Callback\\PowerState");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    CHECK(ExCreateCallback(&again, &oa, FALSE, FALSE) == STATUS_SUCCESS && again != NULL && again != cb);
    r1 = ExRegisterCallback(again, OnCallback, (PVOID)1);
    r2 = ExRegisterCallback(again, OnCallback, (PVOID)2);
    CHECK(r1 != NULL && r2 != NULL);
    ExUnregisterCallback(r1);
    ExUnregisterCallback(r2);
    ObDereferenceObject(again);

    nmi = KeRegisterNmiCallback(OnNmi, NULL);
    CHECK(nmi != NULL);
    CHECK(KeDeregisterNmiCallback(nmi) == STATUS_SUCCESS);
    KeInitializeCallbackRecord((&record));
    CHECK(KeRegisterBugCheckCallback(&record, OnBugCheck, NULL, 0, (PUCHAR)"apisys") == TRUE);
    CHECK(KeRegisterBugCheckCallback(&record, OnBugCheck, NULL, 0, (PUCHAR)"apisys") == FALSE);
    CHECK(KeDeregisterBugCheckCallback(&record) == TRUE);
    CHECK(KeDeregisterBugCheckCallback(&record) == FALSE);

    {
        KBUGCHECK_REASON_CALLBACK_RECORD reason;
        RtlZeroMemory(&reason, sizeof(reason));
        CHECK(KeRegisterBugCheckReasonCallback(&reason, (PKBUGCHECK_REASON_CALLBACK_ROUTINE)OnBugCheck, KbCallbackSecondaryDumpData, (PUCHAR)"apisys") == TRUE);
        CHECK(KeDeregisterBugCheckReasonCallback(&reason) == TRUE);
    }
    device.DriverObject = &driver;
    CHECK(IoRegisterShutdownNotification(&device) == STATUS_SUCCESS);
    CHECK(IoRegisterLastChanceShutdownNotification(&device) == STATUS_SUCCESS);
    IoUnregisterShutdownNotification(&device);
    CHECK(PoRegisterPowerSettingCallback(&device, &g_Guid, OnPowerSetting, NULL, &power) == STATUS_SUCCESS);
    CHECK(PoUnregisterPowerSettingCallback(power) == STATUS_SUCCESS);
    CHECK(IoRegisterPlugPlayNotification(EventCategoryDeviceInterfaceChange, 0, (PVOID)&g_Guid, &driver, OnPnp, NULL, &pnp) == STATUS_SUCCESS);
    CHECK(IoUnregisterPlugPlayNotification(pnp) == STATUS_SUCCESS);
    CHECK(IoRegisterPlugPlayNotification(EventCategoryHardwareProfileChange, 0, NULL, &driver, OnPnp, NULL, &pnp) == STATUS_SUCCESS);
    CHECK(IoUnregisterPlugPlayNotificationEx(pnp) == STATUS_SUCCESS);
    CHECK(IoUnregisterPlugPlayNotificationEx(pnp) == STATUS_INVALID_PARAMETER);
    CHECK(IoRegisterPlugPlayNotification((IO_NOTIFICATION_EVENT_CATEGORY)9, 0, NULL, &driver, OnPnp, NULL, &pnp) == STATUS_INVALID_PARAMETER);
    return failures;
}

/* ---- StartIo ---- */
static LONG g_Started[4];
static LONG g_StartCount;

static VOID NTAPI StartIo(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    if (g_StartCount < 4) g_Started[g_StartCount++] = (LONG)(ULONG_PTR)Irp->Tail.Overlay.DriverContext[0];
}

int TestStartIo(void)
{
    int failures = 0;
    static DRIVER_OBJECT driver;
    static DEVICE_OBJECT device;
    static IRP irps[3];
    ULONG key;
    int i;

    driver.DriverStartIo = StartIo;
    device.DriverObject = &driver;
    device.CurrentIrp = NULL;
    for (i = 0; i < 3; i++) irps[i].Tail.Overlay.DriverContext[0] = (PVOID)(ULONG_PTR)(i + 1);
    g_StartCount = 0;
    /* Idle device: StartIo runs at once; busy: queued until IoStartNextPacket. */
    IoStartPacket(&device, &irps[0], NULL, NULL);
    CHECK(g_StartCount == 1 && device.CurrentIrp == &irps[0]);
    key = 20;
    IoStartPacket(&device, &irps[1], &key, NULL);
    key = 10;
    IoStartPacket(&device, &irps[2], &key, NULL);
    CHECK(g_StartCount == 1);
    /* Keyed packets come out sorted by key. */
    IoStartNextPacket(&device, FALSE);
    CHECK(g_StartCount == 2 && g_Started[1] == 3 && device.CurrentIrp == &irps[2]);
    IoStartNextPacketByKey(&device, FALSE, 15);
    CHECK(g_StartCount == 3 && g_Started[2] == 2);
    IoStartNextPacket(&device, FALSE);
    CHECK(g_StartCount == 3 && device.CurrentIrp == NULL);
    return failures;
}

int TestErrorLog(void)
{
    int failures = 0;
    static DRIVER_OBJECT driver;
    PIO_ERROR_LOG_PACKET entry;
    PWCHAR s;

    CHECK(IoAllocateErrorLogEntry(&driver, (UCHAR)(ERROR_LOG_MAXIMUM_SIZE + 1)) == NULL);
    entry = (PIO_ERROR_LOG_PACKET)IoAllocateErrorLogEntry(&driver, (UCHAR)(sizeof(IO_ERROR_LOG_PACKET) + 16));
    CHECK(entry != NULL);
    if (entry) {
        RtlZeroMemory(entry, sizeof(IO_ERROR_LOG_PACKET) + 16);
        entry->ErrorCode = (NTSTATUS)0xC0040001L;
        entry->UniqueErrorValue = 7;
        entry->FinalStatus = STATUS_DEVICE_NOT_READY;
        entry->DumpDataSize = 4;
        entry->DumpData[0] = 0xABCD;
        entry->NumberOfStrings = 1;
        entry->StringOffset = (USHORT)sizeof(IO_ERROR_LOG_PACKET);
        s = (PWCHAR)((PUCHAR)entry + entry->StringOffset);
        s[0] = L'h'; s[1] = L'i'; s[2] = 0;
        IoWriteErrorLogEntry(entry);
    }
    entry = (PIO_ERROR_LOG_PACKET)IoAllocateErrorLogEntry(&driver, sizeof(IO_ERROR_LOG_PACKET));
    CHECK(entry != NULL);
    if (entry) IoFreeErrorLogEntry(entry);
    CHECK(IoIsWdmVersionAvailable(6, 0) == TRUE);
    CHECK(IoIsWdmVersionAvailable(1, 0x30) == TRUE);
    CHECK(IoIsWdmVersionAvailable(7, 0) == FALSE);
    return failures;
}

int TestPower(void)
{
    int failures = 0;
    PVOID state;
    static DEVICE_OBJECT device;
    POWER_STATE s, old;

    state = PoRegisterSystemState(NULL, ES_SYSTEM_REQUIRED | ES_CONTINUOUS);
    CHECK(state != NULL);
    CHECK(PoRegisterSystemState(state, ES_DISPLAY_REQUIRED) == state);
    CHECK(PoRegisterSystemState(NULL, 0x100) == NULL);
    PoSetSystemState(ES_SYSTEM_REQUIRED);
    if (state) PoUnregisterSystemState(state);
    s.DeviceState = PowerDeviceD3;
    old = PoSetPowerState(&device, DevicePowerState, s);
    CHECK(old.DeviceState == PowerDeviceD0);
    s.DeviceState = PowerDeviceD0;
    old = PoSetPowerState(&device, DevicePowerState, s);
    CHECK(old.DeviceState == PowerDeviceD3);
    PoStartNextPowerIrp(NULL);
    return failures;
}

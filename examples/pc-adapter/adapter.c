/*
 * pcadapter.sys — a WaveRT-style audio adapter driver on portcls.sys, as the WDK's sysvad /
 * SimpleAudioSample adapters are built: DriverEntry binds the driver to portcls
 * (PcInitializeAdapterDriver), keeps portcls's unload and hooks IRP_MJ_PNP in front of
 * PcDispatchIrp; AddDevice calls PcAddAdapterDevice; the StartDevice routine portcls calls after
 * the PnP start reads the resource list, makes a topology and a WaveRT port (PcNewPort), binds
 * them to its miniports (IPort::Init), registers them as subdevices with a physical connection,
 * registers its power management interface and a stream resource. Each answer of portcls on
 * valid and invalid arguments is checked; a failed check is DbgPrint'ed "FAIL ...".
 */
#include "pcadapter.h"

DRIVER_INITIALIZE DriverEntry;
ULONG Failures, Checks;
static PDRIVER_UNLOAD PortClsUnload;
static PDEVICE_OBJECT AddedPdo;
static WCHAR ServiceKeyPath[256];

static VOID StartChecks(PDEVICE_OBJECT DeviceObject, PIRP Irp, PPCRESOURCELIST Resources);

static NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PIRP Irp, PPCRESOURCELIST Resources)
{
    ULONG before = Failures, checks = Checks;
    StartChecks(DeviceObject, Irp, Resources);
    DbgPrint("pcadapter: StartDevice ran %lu checks, %lu failed\n", Checks - checks, Failures - before);
    return Failures == before ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

static NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    CHECK(PcAddAdapterDevice(DriverObject, Pdo, NULL, 2, 0) == STATUS_INVALID_PARAMETER);
    /* "Any value greater than zero and less than PORT_CLASS_DEVICE_EXTENSION_SIZE is illegal." */
    CHECK(PcAddAdapterDevice(DriverObject, Pdo, (PVOID)StartDevice, 2, 8) == STATUS_INVALID_PARAMETER);
    CHECK(DriverObject->DeviceObject == NULL);
    AddedPdo = Pdo;
    CHECK(PcAddAdapterDevice(DriverObject, Pdo, (PVOID)StartDevice, 2, 0) == STATUS_SUCCESS);
    fdo = DriverObject->DeviceObject;
    CHECK(fdo != NULL);
    if (fdo) {
        CHECK(fdo->DeviceType == FILE_DEVICE_KS_TYPE);
        CHECK((fdo->Flags & DO_DEVICE_INITIALIZING) == 0);
        CHECK(fdo->DeviceExtension != NULL);
        CHECK(Pdo->AttachedDevice == fdo);
        CHECK(fdo->StackSize == Pdo->StackSize + 1);
    }
    DbgPrint("pcadapter: AddDevice done\n");
    return STATUS_SUCCESS;
}

static VOID StartChecks(PDEVICE_OBJECT DeviceObject, PIRP Irp, PPCRESOURCELIST Resources)
{
    PDEVICE_OBJECT pdo = NULL, other = (PDEVICE_OBJECT)1;
    PPCRESOURCELIST sub = NULL;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR port;
    PPCPORT topo = NULL, wave = NULL, bad = NULL;
    PPCUNKNOWN topoMini = NewTopologyMiniport(), waveMini = NewWaveMiniport(), adapter = NewAdapterCommon();
    PPCRESMGR2 mgr = NULL;
    PCSTREAMRESOURCE_DESCRIPTOR res;
    PCSTREAMRESOURCE handle = NULL, handle2 = NULL;
    static const GUID bogus = {0x12345678, 0x1234, 0x1234, {1, 2, 3, 4, 5, 6, 7, 8}};

    /* The resources of devices.json: an I/O port range 0x300/16 and an interrupt. */
    CHECK(Resources->lpVtbl->NumberOfEntries(Resources) == 2);
    CHECK(Resources->lpVtbl->NumberOfEntriesOfType(Resources, CmResourceTypePort) == 1);
    CHECK(Resources->lpVtbl->NumberOfEntriesOfType(Resources, CmResourceTypeMemory) == 0);
    port = Resources->lpVtbl->FindTranslatedEntry(Resources, CmResourceTypePort, 0);
    CHECK(port != NULL && port->u.Port.Start.QuadPart == 0x300 && port->u.Port.Length == 16);
    CHECK(Resources->lpVtbl->FindTranslatedEntry(Resources, CmResourceTypePort, 1) == NULL);
    CHECK(Resources->lpVtbl->FindUntranslatedEntry(Resources, CmResourceTypeInterrupt, 0) != NULL);
    CHECK(Resources->lpVtbl->TranslatedList(Resources) != NULL && Resources->lpVtbl->TranslatedList(Resources)->Count == 1);
    CHECK(Resources->lpVtbl->UntranslatedList(Resources)->List[0].PartialResourceList.Count == 2);
    /* A sublist of one entry. */
    CHECK(PcNewResourceSublist(&sub, NULL, NonPagedPoolNx, Resources, 0) == STATUS_INVALID_PARAMETER);
    CHECK(PcNewResourceSublist(&sub, NULL, NonPagedPoolNx, Resources, 1) == STATUS_SUCCESS && sub != NULL);
    if (sub) {
        CHECK(sub->lpVtbl->NumberOfEntries(sub) == 0);
        CHECK(sub->lpVtbl->AddEntryFromParent(sub, Resources, CmResourceTypeMemory, 0) == STATUS_INVALID_PARAMETER);
        CHECK(sub->lpVtbl->AddEntryFromParent(sub, Resources, CmResourceTypePort, 0) == STATUS_SUCCESS);
        CHECK(sub->lpVtbl->AddEntryFromParent(sub, Resources, CmResourceTypeInterrupt, 0) == STATUS_INSUFFICIENT_RESOURCES);
        CHECK(sub->lpVtbl->NumberOfEntries(sub) == 1);
        port = sub->lpVtbl->FindUntranslatedEntry(sub, CmResourceTypePort, 0);
        CHECK(port != NULL && port->u.Port.Start.QuadPart == 0x300);
        CHECK(sub->lpVtbl->Release(sub) == 0);
    }

    /* A resource list over the same lists: portcls's own copies. */
    CHECK(PcNewResourceList(&sub, NULL, NonPagedPoolNx, Resources->lpVtbl->TranslatedList(Resources), Resources->lpVtbl->UntranslatedList(Resources)) == STATUS_SUCCESS);
    if (sub) {
        CHECK(sub->lpVtbl->NumberOfEntries(sub) == 2);
        CHECK(sub->lpVtbl->TranslatedList(sub) != Resources->lpVtbl->TranslatedList(Resources));
        CHECK(sub->lpVtbl->AddEntryFromParent(sub, Resources, CmResourceTypePort, 0) == STATUS_INSUFFICIENT_RESOURCES);
        CHECK(sub->lpVtbl->Release(sub) == 0);
        sub = NULL;
    }
    CHECK(PcGetPhysicalDeviceObject(DeviceObject, &pdo) == STATUS_SUCCESS && pdo == AddedPdo);
    CHECK(PcGetPhysicalDeviceObject(AddedPdo, &other) == STATUS_INVALID_PARAMETER);

    CHECK(PcNewPort(&bad, &bogus) == STATUS_NOT_SUPPORTED && bad == NULL);
    CHECK(PcNewPort(&topo, &PcCLSID_PortTopology) == STATUS_SUCCESS && topo != NULL);
    CHECK(PcNewPort(&wave, &PcCLSID_PortWaveRT) == STATUS_SUCCESS && wave != NULL);
    if (!topo || !wave || !topoMini || !waveMini || !adapter) return;
    /* A port refuses a miniport of another kind; an unbound port is no subdevice. */
    CHECK(PcNewPort(&bad, &PcCLSID_PortWaveRT) == STATUS_SUCCESS);
    CHECK(bad->lpVtbl->Init(bad, DeviceObject, Irp, topoMini, adapter, Resources) == STATUS_INVALID_PARAMETER);
    CHECK(PcRegisterSubdevice(DeviceObject, L"Unbound", (PPCUNKNOWN)bad) == STATUS_UNSUCCESSFUL);
    CHECK(bad->lpVtbl->Release(bad) == 0);

    CHECK(topo->lpVtbl->Init(topo, DeviceObject, Irp, topoMini, adapter, Resources) == STATUS_SUCCESS);
    CHECK(wave->lpVtbl->Init(wave, DeviceObject, Irp, waveMini, adapter, Resources) == STATUS_SUCCESS);
    CHECK(MiniportInits == 2 && PortEventsSeen == 2);
    CHECK(topo->lpVtbl->Init(topo, DeviceObject, Irp, topoMini, adapter, Resources) == STATUS_INVALID_DEVICE_REQUEST);
    /* The ports hold the miniports now. */
    topoMini->lpVtbl->Release(topoMini);
    waveMini->lpVtbl->Release(waveMini);
    CHECK(MiniportsFreed == 0);

    CHECK(PcRegisterSubdevice(DeviceObject, L"Topology", (PPCUNKNOWN)topo) == STATUS_SUCCESS);
    CHECK(PcRegisterSubdevice(DeviceObject, L"Topology", (PPCUNKNOWN)wave) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(PcRegisterSubdevice(DeviceObject, L"Wave", (PPCUNKNOWN)wave) == STATUS_SUCCESS);
    CHECK(PcRegisterSubdevice(DeviceObject, L"Third", (PPCUNKNOWN)topo) == STATUS_INSUFFICIENT_RESOURCES);
    CHECK(PcRegisterSubdevice(AddedPdo, L"Elsewhere", (PPCUNKNOWN)topo) == STATUS_INVALID_PARAMETER);
    CHECK(PcRegisterPhysicalConnection(DeviceObject, (PPCUNKNOWN)topo, 1, (PPCUNKNOWN)wave, 0) == STATUS_SUCCESS);
    CHECK(PcRegisterPhysicalConnection(DeviceObject, adapter, 1, (PPCUNKNOWN)wave, 0) == STATUS_INVALID_PARAMETER);

    CHECK(PcRegisterAdapterPowerManagement(waveMini, DeviceObject) == STATUS_INVALID_PARAMETER);
    CHECK(PcRegisterAdapterPowerManagement(adapter, DeviceObject) == STATUS_SUCCESS);
    CHECK(PcUnregisterAdapterPowerManagement(DeviceObject) == STATUS_SUCCESS);
    CHECK(PcUnregisterAdapterPowerManagement(DeviceObject) == STATUS_UNSUCCESSFUL);
    CHECK(PcRegisterAdapterPowerManagement(adapter, DeviceObject) == STATUS_SUCCESS);

    /* Stream resources: the WaveRT port's manager and the exports. */
    CHECK(wave->lpVtbl->QueryInterface(wave, &PcIID_IPortClsStreamResourceManager2, (PVOID *)&mgr) == STATUS_SUCCESS && mgr != NULL);
    CHECK(topo->lpVtbl->QueryInterface(topo, &PcIID_IPortClsStreamResourceManager2, &other) != STATUS_SUCCESS && other == NULL);
    RtlZeroMemory(&res, sizeof(res));
    res.Size = sizeof(res);
    res.Pdo = pdo;
    res.Type = ePcStreamResourceThread;
    res.Resource.Thread = PsGetCurrentThread();
    if (mgr) {
        CHECK(mgr->lpVtbl->AddStreamResource2(mgr, pdo, NULL, &res, &handle) == STATUS_SUCCESS && handle != NULL);
        CHECK(mgr->lpVtbl->RemoveStreamResource(mgr, handle) == STATUS_SUCCESS);
        CHECK(mgr->lpVtbl->RemoveStreamResource(mgr, handle) == STATUS_INVALID_PARAMETER);
        CHECK(mgr->lpVtbl->AddStreamResource(mgr, NULL, &res, &handle) == STATUS_SUCCESS);
        CHECK(mgr->lpVtbl->RemoveStreamResource(mgr, handle) == STATUS_SUCCESS);
        mgr->lpVtbl->Release(mgr);
    }
    res.Size = sizeof(res) - 4;
    CHECK(PcAddStreamResource(pdo, NULL, &res, &handle2) == STATUS_INVALID_PARAMETER && handle2 == NULL);
    res.Size = sizeof(res);
    res.Resource.Thread = NULL;
    CHECK(PcAddStreamResource(pdo, NULL, &res, &handle2) == STATUS_INVALID_PARAMETER);
    res.Resource.Thread = PsGetCurrentThread();
    CHECK(PcAddStreamResource(DeviceObject, NULL, &res, &handle2) == STATUS_INVALID_PARAMETER);
    CHECK(PcAddStreamResource(pdo, NULL, &res, &handle2) == STATUS_SUCCESS);
    CHECK(PcRemoveStreamResource(handle2) == STATUS_SUCCESS);

    /* Registry keys: the driver's settings key, a value written and read back through it, a subkey. */
    {
        PPCREGKEY key = NULL, subkey = NULL, general = NULL;
        UNICODE_STRING name, subName, path;
        OBJECT_ATTRIBUTES oa;
        ULONG value = 0x1234, length = 0, disposition = 0;
        UCHAR info[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
        PKEY_VALUE_PARTIAL_INFORMATION partial = (PKEY_VALUE_PARTIAL_INFORMATION)info;
        RtlInitUnicodeString(&name, L"Volume");
        RtlInitUnicodeString(&subName, L"Settings");
        CHECK(PcNewRegistryKey(&key, NULL, DriverRegistryKey, KEY_ALL_ACCESS, DeviceObject, NULL, NULL, 0, NULL) == STATUS_SUCCESS && key != NULL);
        CHECK(PcNewRegistryKey(&general, NULL, DeviceRegistryKey, KEY_READ, AddedPdo, NULL, NULL, 0, NULL) == STATUS_INVALID_PARAMETER && general == NULL);
        CHECK(PcNewRegistryKey(&general, NULL, GeneralRegistryKey, KEY_READ, NULL, NULL, NULL, 0, NULL) == STATUS_INVALID_PARAMETER);
        if (key) {
            CHECK(key->lpVtbl->SetValueKey(key, &name, REG_DWORD, &value, sizeof(value)) == STATUS_SUCCESS);
            CHECK(key->lpVtbl->QueryValueKey(key, &name, KeyValuePartialInformation, info, sizeof(info), &length) == STATUS_SUCCESS);
            CHECK(partial->Type == REG_DWORD && partial->DataLength == 4 && *(PULONG)partial->Data == 0x1234);
            CHECK(key->lpVtbl->NewSubKey(key, &subkey, NULL, KEY_ALL_ACCESS, &subName, REG_OPTION_NON_VOLATILE, &disposition) == STATUS_SUCCESS && subkey != NULL);
            CHECK(disposition == REG_CREATED_NEW_KEY);
            if (subkey) {
                CHECK(subkey->lpVtbl->QueryValueKey(subkey, &name, KeyValuePartialInformation, info, sizeof(info), &length) == STATUS_OBJECT_NAME_NOT_FOUND);
                CHECK(subkey->lpVtbl->DeleteKey(subkey) == STATUS_SUCCESS);
                CHECK(subkey->lpVtbl->Release(subkey) == 0);
            }
            CHECK(key->lpVtbl->Release(key) == 0);
        }
        /* A general key by its path: the service key of the registry path DriverEntry kept. */
        RtlInitUnicodeString(&path, ServiceKeyPath);
        InitializeObjectAttributes(&oa, &path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
        CHECK(PcNewRegistryKey(&general, NULL, GeneralRegistryKey, KEY_READ, NULL, NULL, &oa, 0, &disposition) == STATUS_SUCCESS && general != NULL);
        CHECK(disposition == REG_OPENED_EXISTING_KEY);
        if (general) CHECK(general->lpVtbl->Release(general) == 0);
    }

    /* Device properties of the adapter's PDO: its hardware ID (devices.json: ROOT\PCADAPTER, a MULTI_SZ). */
    {
        WCHAR ids[64];
        ULONG got = 0;
        RtlZeroMemory(ids, sizeof(ids));
        CHECK(PcGetDeviceProperty(DeviceObject, DevicePropertyHardwareID, sizeof(ids), ids, &got) == STATUS_SUCCESS);
        CHECK(got == sizeof(L"ROOT\\PCADAPTER") + sizeof(WCHAR) && ids[0] == L'R' && ids[4] == L'\\' && ids[14] == 0 && ids[15] == 0);
        CHECK(wave->lpVtbl->GetDeviceProperty(wave, DevicePropertyHardwareID, sizeof(ids), ids, &got) == STATUS_SUCCESS && ids[5] == L'P');
        CHECK(PcGetDeviceProperty(AddedPdo, DevicePropertyHardwareID, sizeof(ids), ids, &got) == STATUS_INVALID_PARAMETER);
    }

    /* A service group forwarding service requests to its members. */
    {
        PPCSERVICEGROUP group = NULL;
        PPCUNKNOWN sink = NewServiceSink(), asSink = NULL;
        CHECK(PcNewServiceGroup(&group, NULL) == STATUS_SUCCESS && group != NULL && sink != NULL);
        if (group && sink) {
            CHECK(group->lpVtbl->QueryInterface(group, &PcIID_IServiceSink, (PVOID *)&asSink) == STATUS_SUCCESS && asSink == (PPCUNKNOWN)group);
            if (asSink) asSink->lpVtbl->Release(asSink);
            CHECK(group->lpVtbl->AddMember(group, NULL) == STATUS_INVALID_PARAMETER);
            CHECK(group->lpVtbl->AddMember(group, sink) == STATUS_SUCCESS);
            CHECK(sink->lpVtbl->AddRef(sink) == 3);                 /* the group holds a reference */
            sink->lpVtbl->Release(sink);
            group->lpVtbl->RequestService(group);
            CHECK(SinkServiced == 1);
            group->lpVtbl->RemoveMember(group, sink);
            group->lpVtbl->RequestService(group);
            CHECK(SinkServiced == 1);
            group->lpVtbl->CancelDelayedService(group);
            CHECK(group->lpVtbl->AddMember(group, sink) == STATUS_SUCCESS);
            CHECK(group->lpVtbl->Release(group) == 0);             /* releases its members */
            CHECK(sink->lpVtbl->Release(sink) == 0);
        }
    }

    /* The PortCls version, as HD audio adapters ask for it. */
    {
        PPCVERSION version = NULL;
        CHECK(topo->lpVtbl->QueryInterface(topo, &PcIID_IPortClsVersion, (PVOID *)&version) == STATUS_SUCCESS && version != NULL);
        if (version) {
            CHECK(version->lpVtbl->GetVersion(version) >= kVersionWinXP);
            version->lpVtbl->Release(version);
        }
    }
    /* An IRP of the adapter's own, its next location filled, sent down synchronously: the root
       bus's PDO does not answer IRP_MN_QUERY_INTERFACE, the status the adapter put stays. */
    {
        PIRP own = IoAllocateIrp(DeviceObject->StackSize, FALSE);
        CHECK(own != NULL);
        if (own) {
            PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(own);
            own->IoStatus.Status = STATUS_NOT_SUPPORTED;
            next->MajorFunction = IRP_MJ_PNP;
            next->MinorFunction = IRP_MN_QUERY_INTERFACE;
            CHECK(PcForwardIrpSynchronous(DeviceObject, own) == STATUS_NOT_SUPPORTED);
            CHECK(PcForwardIrpSynchronous(AddedPdo, own) == STATUS_INVALID_PARAMETER);
            IoFreeIrp(own);
        }
    }

    /* portcls keeps its references: the driver lets go of its own. */
    topo->lpVtbl->Release(topo);
    wave->lpVtbl->Release(wave);
    adapter->lpVtbl->Release(adapter);
    CHECK(MiniportsFreed == 0 && AdapterFreed == 0);
}

static NTSTATUS PnpHandler(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    if (sp->MinorFunction == IRP_MN_REMOVE_DEVICE) DbgPrint("pcadapter: remove (miniports freed %ld)\n", MiniportsFreed);
    return PcDispatchIrp(DeviceObject, Irp);
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("pcadapter: unload, miniports freed %ld, adapter freed %ld, failures %lu\n", MiniportsFreed, AdapterFreed, Failures);
    if (PortClsUnload) PortClsUnload(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS status = PcInitializeAdapterDriver(DriverObject, RegistryPath, (PDRIVER_ADD_DEVICE)AddDevice);
    if (RegistryPath->Length < sizeof(ServiceKeyPath)) RtlCopyMemory(ServiceKeyPath, RegistryPath->Buffer, RegistryPath->Length);
    if (!NT_SUCCESS(status)) return status;
    CHECK(DriverObject->DriverExtension->AddDevice == (PDRIVER_ADD_DEVICE)AddDevice);
    DriverObject->MajorFunction[IRP_MJ_PNP] = PnpHandler;
    PortClsUnload = DriverObject->DriverUnload;
    DriverObject->DriverUnload = Unload;
    DbgPrint("pcadapter: DriverEntry\n");
    return STATUS_SUCCESS;
}

/* kmdfpnp: device properties through the framework — WdfFdoInitQueryProperty /
   WdfFdoInitAllocAndQueryProperty in EvtDriverDeviceAdd, WdfDeviceQueryProperty /
   WdfDeviceAllocAndQueryProperty after WdfDeviceCreate (IoGetDeviceProperty on the PDO). */
#include "pnpdrv.h"

static BOOLEAN SameWide(const WCHAR *a, const WCHAR *b, ULONG bytes)
{
    ULONG i;
    for (i = 0; i < bytes / sizeof(WCHAR); i++)
        if (a[i] != b[i]) return FALSE;
    return TRUE;
}

/* devpkey.h: DEVPKEY_Device_HardwareIds (3), _Manufacturer (13), _PDOName (16), _InstallState (36); DEVPKEY_Device_InstanceId. */
#define DEVICE_FMTID { 0xa45c254e, 0xdf1c, 0x4efd, { 0x80, 0x20, 0x67, 0xd1, 0x46, 0xa8, 0x50, 0xe0 } }
static const DEVPROPKEY KeyHardwareIds = { DEVICE_FMTID, 3 };
static const DEVPROPKEY KeyManufacturer = { DEVICE_FMTID, 13 };
static const DEVPROPKEY KeyPdoName = { DEVICE_FMTID, 16 };
static const DEVPROPKEY KeyInstallState = { DEVICE_FMTID, 36 };
static const DEVPROPKEY KeyInstanceId = { { 0x78c34fc8, 0x104a, 0x4aca, { 0x9e, 0xa4, 0x52, 0x4d, 0x52, 0x99, 0x6e, 0x57 } }, 256 };
#define DEVPROP_TYPE_UINT32_ 0x7
#define DEVPROP_TYPE_STRING_ 0x12
#define DEVPROP_TYPE_STRING_LIST_ 0x2012

/* The unified-property forms (WdfFdoInit[AllocAnd]QueryPropertyEx, IoGetDevicePropertyData on the PDO). */
static ULONG CheckInitPropertiesEx(PWDFDEVICE_INIT DeviceInit, const WCHAR *ids, ULONG idsBytes, BOOLEAN owner)
{
    WDF_DEVICE_PROPERTY_DATA data;
    WCHAR buffer[64];
    ULONG length = 0, state = 7;
    DEVPROPTYPE type = 99;
    WDFMEMORY memory = (WDFMEMORY)1;
    size_t size = 0;
    PWCHAR p;
    const WCHAR *instance = owner ? L"ROOT\\KMDFPNP\\0000" : L"ROOT\\KMDFPNP\\0001";
    WDF_DEVICE_PROPERTY_DATA_INIT(&data, &KeyHardwareIds);
    data.Size = 1;
    if (WdfFdoInitQueryPropertyEx(DeviceInit, &data, sizeof(buffer), buffer, &length, &type) != STATUS_INFO_LENGTH_MISMATCH) return 90;
    data.Size = sizeof(data);
    if (WdfFdoInitQueryPropertyEx(DeviceInit, &data, 0, NULL, &length, &type) != STATUS_BUFFER_TOO_SMALL || length != idsBytes || type != DEVPROP_TYPE_STRING_LIST_) return 91;
    type = 99;
    if (WdfFdoInitQueryPropertyEx(DeviceInit, &data, sizeof(buffer), buffer, &length, &type) != STATUS_SUCCESS || length != idsBytes || type != DEVPROP_TYPE_STRING_LIST_ || !SameWide(buffer, ids, idsBytes)) return 92;
    WDF_DEVICE_PROPERTY_DATA_INIT(&data, &KeyInstanceId);
    if (WdfFdoInitAllocAndQueryPropertyEx(DeviceInit, &data, NonPagedPool, WDF_NO_OBJECT_ATTRIBUTES, &memory, &type) != STATUS_SUCCESS || memory == NULL || type != DEVPROP_TYPE_STRING_) return 93;
    p = (PWCHAR)WdfMemoryGetBuffer(memory, &size);
    if (size != sizeof(L"ROOT\\KMDFPNP\\0000") || !SameWide(p, instance, (ULONG)size)) return 94;
    WdfObjectDelete(memory);
    WDF_DEVICE_PROPERTY_DATA_INIT(&data, &KeyInstallState);
    if (WdfFdoInitQueryPropertyEx(DeviceInit, &data, sizeof(state), &state, &length, &type) != STATUS_SUCCESS || state != 0 || length != sizeof(ULONG) || type != DEVPROP_TYPE_UINT32_) return 95;
    /* The kernel routine the framework calls: IoGetDevicePropertyData on the PDO (Learn: STATUS_BUFFER_TOO_SMALL
       with *RequiredSize; STATUS_OBJECT_NAME_NOT_FOUND for a property the device has no value of). */
    {
        PDEVICE_OBJECT pdo = WdfFdoInitWdmGetPhysicalDevice(DeviceInit);
        ULONG required = 0;
        type = 99;
        if (IoGetDevicePropertyData(pdo, &KeyHardwareIds, 0 /* LOCALE_NEUTRAL */, 0, 4, buffer, &required, &type) != STATUS_BUFFER_TOO_SMALL || required != idsBytes) return 97;
        if (IoGetDevicePropertyData(pdo, &KeyHardwareIds, 0 /* LOCALE_NEUTRAL */, 0, sizeof(buffer), buffer, &required, &type) != STATUS_SUCCESS || type != DEVPROP_TYPE_STRING_LIST_ || !SameWide(buffer, ids, idsBytes)) return 98;
        if (IoGetDevicePropertyData(pdo, &KeyManufacturer, 0 /* LOCALE_NEUTRAL */, 0, sizeof(buffer), buffer, &required, &type) != STATUS_OBJECT_NAME_NOT_FOUND) return 99;
    }
    /* Only an INF installation sets it: not found, *PropertyMemory NULLed. */
    memory = (WDFMEMORY)1;
    WDF_DEVICE_PROPERTY_DATA_INIT(&data, &KeyManufacturer);
    if (WdfFdoInitAllocAndQueryPropertyEx(DeviceInit, &data, NonPagedPool, WDF_NO_OBJECT_ATTRIBUTES, &memory, &type) != STATUS_OBJECT_NAME_NOT_FOUND || memory != NULL) return 96;
    return 0;
}

/* 0 when every answer is what the device file (devices.json) says about this devnode. */
ULONG KmdfPnpCheckInitProperties(PWDFDEVICE_INIT DeviceInit, BOOLEAN owner)
{
    static const WCHAR ownerIds[] = L"ROOT\\KMDFPNP\0";
    static const WCHAR otherIds[] = L"ROOT\\KMDFPNPNOPOL\0";
    const WCHAR *ids = owner ? ownerIds : otherIds;
    ULONG idsBytes = owner ? sizeof(ownerIds) : sizeof(otherIds);
    WCHAR buffer[64];
    ULONG length = 0, state = 7;
    WDFMEMORY memory = (WDFMEMORY)1;
    size_t size = 0;
    PWCHAR p;

    /* The length query: STATUS_BUFFER_TOO_SMALL with the REG_MULTI_SZ length (two NULs at the end). */
    if (WdfFdoInitQueryProperty(DeviceInit, DevicePropertyHardwareID, 0, NULL, &length) != STATUS_BUFFER_TOO_SMALL || length != idsBytes) return 61;
    if (WdfFdoInitQueryProperty(DeviceInit, DevicePropertyHardwareID, sizeof(buffer), buffer, &length) != STATUS_SUCCESS || length != idsBytes || !SameWide(buffer, ids, idsBytes)) return 62;
    if (WdfFdoInitQueryProperty(DeviceInit, DevicePropertyHardwareID, 4, buffer, &length) != STATUS_BUFFER_TOO_SMALL || length != idsBytes) return 63;
    if (WdfFdoInitQueryProperty(DeviceInit, DevicePropertyInstallState, sizeof(state), &state, &length) != STATUS_SUCCESS || state != 0 || length != sizeof(ULONG)) return 64;
    /* Past DevicePropertyContainerID: IoGetDeviceProperty's STATUS_INVALID_PARAMETER_2. */
    if (WdfFdoInitQueryProperty(DeviceInit, (DEVICE_REGISTRY_PROPERTY)0x40, sizeof(buffer), buffer, &length) != (NTSTATUS)0xC00000F0) return 65;
    /* Alloc: a WDFMEMORY holding "ROOT" (the enumerator). */
    if (WdfFdoInitAllocAndQueryProperty(DeviceInit, DevicePropertyEnumeratorName, NonPagedPool, WDF_NO_OBJECT_ATTRIBUTES, &memory) != STATUS_SUCCESS || memory == NULL) return 66;
    p = (PWCHAR)WdfMemoryGetBuffer(memory, &size);
    if (size != sizeof(L"ROOT") || !SameWide(p, L"ROOT", sizeof(L"ROOT"))) return 67;
    WdfObjectDelete(memory);
    /* A property only an INF installation sets: not found, and *PropertyMemory NULLed. */
    memory = (WDFMEMORY)1;
    if (WdfFdoInitAllocAndQueryProperty(DeviceInit, DevicePropertyManufacturer, NonPagedPool, WDF_NO_OBJECT_ATTRIBUTES, &memory) != STATUS_OBJECT_NAME_NOT_FOUND || memory != NULL) return 68;
    return CheckInitPropertiesEx(DeviceInit, ids, idsBytes, owner);
}

/* After WdfDeviceCreate: the PDO's name through WdfDeviceAllocAndQueryProperty equals WdfDeviceQueryProperty's. */
ULONG KmdfPnpCheckDeviceProperties(WDFDEVICE Device)
{
    WCHAR buffer[64];
    ULONG length = 0;
    WDFMEMORY memory;
    size_t size = 0;
    PWCHAR p;
    if (WdfDeviceQueryProperty(Device, DevicePropertyPhysicalDeviceObjectName, sizeof(buffer), buffer, &length) != STATUS_SUCCESS) return 71;
    if (length < sizeof(L"\\Device\\") || !SameWide(buffer, L"\\Device\\", sizeof(L"\\Device\\") - sizeof(WCHAR))) return 72;
    if (WdfDeviceAllocAndQueryProperty(Device, DevicePropertyPhysicalDeviceObjectName, PagedPool, WDF_NO_OBJECT_ATTRIBUTES, &memory) != STATUS_SUCCESS) return 73;
    p = (PWCHAR)WdfMemoryGetBuffer(memory, &size);
    if (size != length || !SameWide(p, buffer, length)) return 74;
    WdfObjectDelete(memory);
    /* The Ex forms: a length without a buffer and a buffer without a length are STATUS_INVALID_PARAMETER;
       DEVPKEY_Device_PDOName is the legacy PhysicalDeviceObjectName, a DEVPROP_TYPE_STRING. */
    {
        WDF_DEVICE_PROPERTY_DATA data;
        DEVPROPTYPE type = 99;
        ULONG got = 0;
        WDF_DEVICE_PROPERTY_DATA_INIT(&data, &KeyPdoName);
        if (WdfDeviceQueryPropertyEx(Device, &data, 8, NULL, &got, &type) != STATUS_INVALID_PARAMETER) return 75;
        if (WdfDeviceQueryPropertyEx(Device, &data, 0, buffer, &got, &type) != STATUS_INVALID_PARAMETER) return 76;
        if (WdfDeviceAllocAndQueryPropertyEx(Device, &data, PagedPool, WDF_NO_OBJECT_ATTRIBUTES, &memory, &type) != STATUS_SUCCESS || type != DEVPROP_TYPE_STRING_) return 77;
        p = (PWCHAR)WdfMemoryGetBuffer(memory, &size);
        if (size != length || !SameWide(p, buffer, length)) return 78;
        WdfObjectDelete(memory);
    }
    return 0;
}

/* Bad arguments (WDF_VIOLATION): a NULL ResultLength. */
VOID NTAPI BadPropertyResultLength(VOID)
{
    WCHAR buffer[8];
    (VOID)WdfDeviceQueryProperty(KmdfPnpDevice, DevicePropertyHardwareID, sizeof(buffer), buffer, NULL);
}

/* A NULL Type for WdfDeviceQueryPropertyEx: WDF_VIOLATION. */
VOID NTAPI BadPropertyExType(VOID)
{
    WDF_DEVICE_PROPERTY_DATA data;
    WCHAR buffer[8];
    ULONG length;
    WDF_DEVICE_PROPERTY_DATA_INIT(&data, &KeyPdoName);
    (VOID)WdfDeviceQueryPropertyEx(KmdfPnpDevice, &data, sizeof(buffer), buffer, &length, NULL);
}

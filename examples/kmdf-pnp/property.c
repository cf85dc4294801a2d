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
    return 0;
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
    return 0;
}

/* Bad arguments (WDF_VIOLATION): a NULL ResultLength. */
VOID NTAPI BadPropertyResultLength(VOID)
{
    WCHAR buffer[8];
    (VOID)WdfDeviceQueryProperty(KmdfPnpDevice, DevicePropertyHardwareID, sizeof(buffer), buffer, NULL);
}

/*
 * stormini.sys — a Storport miniport skeleton. DriverEntry runs the checks of init.c and
 * helpers.c; the last StorPortInitialize registers the miniport as a real one does. The hardware
 * routines are never called on kmdll's machine (no storage adapter reaches storport's AddDevice).
 */
#include "stormini.h"

DRIVER_INITIALIZE DriverEntry;

static BOOLEAN MiniHwInitialize(PVOID DeviceExtension)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    return TRUE;
}

static BOOLEAN MiniHwStartIo(PVOID DeviceExtension, PVOID Srb)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    UNREFERENCED_PARAMETER(Srb);
    return TRUE;
}

static BOOLEAN MiniHwInterrupt(PVOID DeviceExtension)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    return FALSE;
}

/* SP_RETURN_NOT_FOUND (srb.h): no adapter of ours. */
static ULONG MiniHwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation, PCHAR ArgumentString, PVOID ConfigInfo, PBOOLEAN Reserved3)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    UNREFERENCED_PARAMETER(HwContext);
    UNREFERENCED_PARAMETER(BusInformation);
    UNREFERENCED_PARAMETER(ArgumentString);
    UNREFERENCED_PARAMETER(ConfigInfo);
    UNREFERENCED_PARAMETER(Reserved3);
    return 0;
}

static BOOLEAN MiniHwResetBus(PVOID DeviceExtension, ULONG PathId)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    UNREFERENCED_PARAMETER(PathId);
    return TRUE;
}

static BOOLEAN MiniHwBuildIo(PVOID DeviceExtension, PVOID Srb)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    UNREFERENCED_PARAMETER(Srb);
    return TRUE;
}

/* What every Storport miniport's DriverEntry does first: zero the structure, then fill it. */
void MiniFillInitData(PHW_INITIALIZATION_DATA Data)
{
    RtlZeroMemory(Data, sizeof(*Data));
    Data->HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA);
    Data->AdapterInterfaceType = PCIBus;
    Data->HwInitialize = MiniHwInitialize;
    Data->HwStartIo = MiniHwStartIo;
    Data->HwInterrupt = MiniHwInterrupt;
    Data->HwFindAdapter = MiniHwFindAdapter;
    Data->HwResetBus = MiniHwResetBus;
    Data->HwBuildIo = MiniHwBuildIo;
    Data->DeviceExtensionSize = 0x100;
    Data->SrbExtensionSize = 0x40;
    Data->NumberOfAccessRanges = 1;
    Data->MapBuffers = 1; /* STOR_MAP_ALL_BUFFERS */
    Data->NeedPhysicalAddresses = TRUE;
    Data->TaggedQueuing = TRUE;
    Data->AutoRequestSense = TRUE;
    Data->MultipleRequestPerLu = TRUE;
    Data->SrbTypeFlags = SRB_TYPE_FLAG_STORAGE_REQUEST_BLOCK;
    Data->AddressTypeFlags = STORAGE_ADDRESS_TYPE_BTL8;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG failures = CheckHelpers();
    failures += CheckInitialize(DriverObject, RegistryPath);
    if (failures != 0) {
        DbgPrint("stormini: %lu check(s) failed\n", failures);
        return STATUS_UNSUCCESSFUL;
    }
    DbgPrint("stormini: all checks passed\n");
    return STATUS_SUCCESS;
}

/*
 * scsimini.sys — a SCSI port miniport skeleton. DriverEntry runs the checks of init.c and
 * smclib.c; the last ScsiPortInitialize registers the miniport as a real one does. The hardware
 * routines are never called on kmdll's machine (no SCSI adapter reaches scsiport's AddDevice).
 */
#include "scsimini.h"

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
static ULONG MiniHwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation, PCHAR ArgumentString, PVOID ConfigInfo, PBOOLEAN Again)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    UNREFERENCED_PARAMETER(HwContext);
    UNREFERENCED_PARAMETER(BusInformation);
    UNREFERENCED_PARAMETER(ArgumentString);
    UNREFERENCED_PARAMETER(ConfigInfo);
    UNREFERENCED_PARAMETER(Again);
    return 0;
}

static BOOLEAN MiniHwResetBus(PVOID DeviceExtension, ULONG PathId)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    UNREFERENCED_PARAMETER(PathId);
    return TRUE;
}

static ULONG MiniHwAdapterControl(PVOID DeviceExtension, ULONG ControlType, PVOID Parameters)
{
    UNREFERENCED_PARAMETER(DeviceExtension);
    UNREFERENCED_PARAMETER(ControlType);
    UNREFERENCED_PARAMETER(Parameters);
    return 0;
}

/* What every SCSI miniport's DriverEntry does first: zero the structure, then fill it. */
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
    Data->HwAdapterControl = MiniHwAdapterControl;
    Data->DeviceExtensionSize = 0x100;
    Data->SrbExtensionSize = 0x40;
    Data->NumberOfAccessRanges = 1;
    Data->MapBuffers = TRUE;
    Data->NeedPhysicalAddresses = TRUE;
    Data->AutoRequestSense = TRUE;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG failures = CheckHelpers();
    failures += CheckSmclib();
    /* The compiler's layout is the one kmdll's scsiport reads (api/scsiport.ts, scsiInitDataLayout). */
    DbgPrint("scsimini: layout %u %u %u\n", (ULONG)FIELD_OFFSET(HW_INITIALIZATION_DATA, HwResetBus), (ULONG)FIELD_OFFSET(HW_INITIALIZATION_DATA, HwAdapterControl), (ULONG)sizeof(HW_INITIALIZATION_DATA));
    failures += CheckInitialize(DriverObject, RegistryPath);
    if (failures != 0) {
        DbgPrint("scsimini: %lu check(s) failed\n", failures);
        return STATUS_UNSUCCESSFUL;
    }
    DbgPrint("scsimini: all checks passed\n");
    return STATUS_SUCCESS;
}

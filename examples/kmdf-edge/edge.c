/* kmdfedge: WdfVersionBind edge cases. Each routine returns an NTSTATUS-like result. */
#define KMDFMIN_STUB
#include "kmdfmin.h"

/* WDFFUNCENUM (wdffuncenum.h): WdfDeviceCreateDeviceInterface is index 77. */
#define WdfDeviceCreateDeviceInterfaceTableIndex 77

static UNICODE_STRING RegPath = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\kmdfedge");

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS DllUnload(VOID) { return STATUS_SUCCESS; }

/* A client built for a framework newer than 1.33 (a longer table): the bind must fail. */
NTSTATUS BindNewer(VOID)
{
    WDF_BIND_INFO info;
    WDFFUNC *table = NULL;
    PWDF_DRIVER_GLOBALS globals = (PWDF_DRIVER_GLOBALS)1;
    NTSTATUS status;
    RtlZeroMemory(&info, sizeof(info));
    info.Size = sizeof(info);
    info.Component = L"KmdfLibrary";
    info.Version.Major = 1;
    info.Version.Minor = 35;
    info.FuncCount = 470;
    info.FuncTable = (WDFFUNC *)&table;
    status = WdfVersionBind(NULL, &RegPath, &info, &globals);
    /* The loader clears *ComponentGlobals and leaves the table alone on failure. */
    if (globals != NULL || table != NULL) return STATUS_UNSUCCESSFUL;
    return status;
}

/* A KMDF 1.9 client (396 functions): the table is copied into the client's own array. */
static WDFFUNC OldTable[396];
ULONG_PTR BindOld(VOID)
{
    WDF_BIND_INFO info;
    PWDF_DRIVER_GLOBALS globals = NULL;
    NTSTATUS status;
    RtlZeroMemory(&info, sizeof(info));
    info.Size = sizeof(info);
    info.Component = L"KmdfLibrary";
    info.Version.Major = 1;
    info.Version.Minor = 9;
    info.FuncCount = 396;
    info.FuncTable = OldTable;
    status = WdfVersionBind(NULL, &RegPath, &info, &globals);
    if (!NT_SUCCESS(status)) return (ULONG_PTR)(ULONG)status;
    if (globals == NULL || OldTable[0] == NULL || OldTable[395] == NULL) return 1;
    /* The copied WdfDriverCreate slot equals the one a 1.33 client sees through its pointer. */
    status = KmdllWdfBind(NULL, &RegPath);
    if (!NT_SUCCESS(status)) return (ULONG_PTR)(ULONG)status;
    if (OldTable[WdfDriverCreateTableIndex] != WdfFunctions[WdfDriverCreateTableIndex]) return 2;
    WdfVersionUnbind(&RegPath, &info, globals);
    KmdllWdfUnbind(&RegPath);
    return 0;
}

NTSTATUS BindNoTable(VOID)
{
    WDF_BIND_INFO info;
    PWDF_DRIVER_GLOBALS globals = NULL;
    RtlZeroMemory(&info, sizeof(info));
    info.Size = sizeof(info);
    info.Version.Major = 1;
    info.Version.Minor = 33;
    info.FuncCount = 458;
    return WdfVersionBind(NULL, &RegPath, &info, &globals);
}

/* Bind, then call a DDI through the table that kmdll does not implement. */
NTSTATUS CallUnimplemented(VOID)
{
    NTSTATUS status = KmdllWdfBind(NULL, &RegPath);
    if (!NT_SUCCESS(status)) return status;
    return ((NTSTATUS (*)(PWDF_DRIVER_GLOBALS, WDFDEVICE, const GUID *, PCUNICODE_STRING))WdfFunctions[WdfDeviceCreateDeviceInterfaceTableIndex])(WdfDriverGlobals, NULL, NULL, NULL);
}

/* An export driver's DriverEntry is never called when it is loaded as a dependency. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

/*
 * A load configuration whose SecurityCookie (IMAGE_LOAD_CONFIG_DIRECTORY64 offset 0x58) holds
 * the linker's default x64 value, as an MSVC /GS driver's does: the kernel loader must replace it
 * before the driver runs (MSVC's GsDriverEntry __fastfails otherwise).
 */
ULONGLONG KmdfEdgeCookie = 0x00002B992DDFA232ULL;
const ULONGLONG _load_config_used[0x100 / 8] = {
    0x100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    (ULONGLONG)&KmdfEdgeCookie, /* 0x58: SecurityCookie */
};

/* The cookie as the driver sees it at run time. */
ULONGLONG GsCookie(VOID) { return KmdfEdgeCookie; }

/* kmdfedge: WdfVersionBind edge cases. Each routine returns an NTSTATUS-like result. */
#define KMDFMIN_STUB
#include "kmdfmin.h"

/* WDFFUNCENUM (wdffuncenum.h): WdfDmaEnablerCreate is index 94. */
#define WdfDmaEnablerCreateTableIndex 94

static UNICODE_STRING RegPath = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\kmdfedge");

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(VOID) { return STATUS_SUCCESS; }

/* A client built for a framework newer than 1.33 (a longer table): the bind must fail. */
NTSTATUS NTAPI BindNewer(VOID)
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
ULONG_PTR NTAPI BindOld(VOID)
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

NTSTATUS NTAPI BindNoTable(VOID)
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
NTSTATUS NTAPI CallUnimplemented(VOID)
{
    NTSTATUS status = KmdllWdfBind(NULL, &RegPath);
    if (!NT_SUCCESS(status)) return status;
    return ((NTSTATUS (NTAPI *)(PWDF_DRIVER_GLOBALS, WDFDEVICE, PVOID, PVOID, PVOID))WdfFunctions[WdfDmaEnablerCreateTableIndex])(WdfDriverGlobals, NULL, NULL, NULL, NULL);
}

/* A KMDF 1.35 client whose table happens to have no more than 458 entries: the minor version alone refuses it. */
NTSTATUS NTAPI BindNewerMinor(VOID)
{
    WDF_BIND_INFO info;
    WDFFUNC *table = NULL;
    PWDF_DRIVER_GLOBALS globals = NULL;
    RtlZeroMemory(&info, sizeof(info));
    info.Size = sizeof(info);
    info.Component = L"KmdfLibrary";
    info.Version.Major = 1;
    info.Version.Minor = 35;
    info.FuncCount = 458;
    info.FuncTable = (WDFFUNC *)&table;
    return WdfVersionBind(NULL, &RegPath, &info, &globals);
}

/*
 * WDF_BIND_INFO2 (fxldr.h): "build on newer, run on older" (KMDF 1.25+). The client targets 1.35
 * but needs only 1.25: it binds, learns that it is newer than the framework, and its function
 * count shrinks to the framework's. Returns 0 when all of that held.
 */
typedef struct _KMDLL_BIND_INFO2 {
    WDF_BIND_INFO V1;
    ULONG *MinimumVersionRequired;
    BOOLEAN *ClientVersionHigherThanFramework;
    ULONG *FuncCountPtr;
    ULONG *StructCountPtr;
    PVOID *StructTable;
} KMDLL_BIND_INFO2;
static WDFFUNC *Table2;
static ULONG Minimum2, FuncCount2, StructCount2;
static BOOLEAN Higher2;
static PVOID StructTable2;
ULONG_PTR NTAPI BindInfo2(ULONG Minimum)
{
    KMDLL_BIND_INFO2 info;
    PWDF_DRIVER_GLOBALS globals = NULL;
    NTSTATUS status;
    RtlZeroMemory(&info, sizeof(info));
    info.V1.Size = sizeof(info);
    info.V1.Component = L"KmdfLibrary";
    info.V1.Version.Major = 1;
    info.V1.Version.Minor = 35;
    info.V1.FuncCount = 470;
    info.V1.FuncTable = (WDFFUNC *)&Table2;
    Minimum2 = Minimum;
    FuncCount2 = 470;
    info.MinimumVersionRequired = &Minimum2;
    info.ClientVersionHigherThanFramework = &Higher2;
    info.FuncCountPtr = &FuncCount2;
    info.StructCountPtr = &StructCount2;
    info.StructTable = &StructTable2;
    status = WdfVersionBind(NULL, &RegPath, &info.V1, &globals);
    if (!NT_SUCCESS(status)) return (ULONG_PTR)(ULONG)status;
    WdfVersionUnbind(&RegPath, &info.V1, globals);
    return (Higher2 == TRUE && FuncCount2 == 458 && info.V1.FuncCount == 458 && Table2 != NULL) ? 0 : 1;
}

/*
 * Started as a service: a non-PnP KMDF driver that takes a reference on its WDFDRIVER and never
 * releases it. The framework's unload reports the object as leaked (KMDF verifier). An export
 * driver's DriverEntry is never called when it is loaded as a dependency.
 */
static EVT_WDF_DRIVER_UNLOAD EdgeEvtDriverUnload;
static VOID EdgeEvtDriverUnload(WDFDRIVER Driver)
{
    UNREFERENCED_PARAMETER(Driver);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WDF_DRIVER_CONFIG config;
    WDFDRIVER driver;
    NTSTATUS status = KmdllWdfBind(DriverObject, RegistryPath);
    if (!NT_SUCCESS(status)) return status;
    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags = WdfDriverInitNonPnpDriver;
    config.EvtDriverUnload = EdgeEvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &driver);
    if (!NT_SUCCESS(status)) return status;
    WdfObjectReference(driver);
    return STATUS_SUCCESS;
}

/*
 * A load configuration whose SecurityCookie holds the linker's default value, as an MSVC /GS
 * driver's does: the kernel loader must replace it before the driver runs (MSVC's GsDriverEntry
 * __fastfails otherwise). x64 and ARM64: IMAGE_LOAD_CONFIG_DIRECTORY64, the cookie at 0x58, default
 * 0x00002B992DDFA232; x86: IMAGE_LOAD_CONFIG_DIRECTORY32, the cookie at 0x3C, default 0xBB40E64E.
 */
#ifdef _WIN64
ULONGLONG KmdfEdgeCookie = 0x00002B992DDFA232ULL;
const ULONGLONG _load_config_used[0x100 / 8] = {
    0x100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    (ULONGLONG)&KmdfEdgeCookie, /* 0x58: SecurityCookie */
};
#else
ULONG KmdfEdgeCookie = 0xBB40E64EUL;
const ULONG _load_config_used[0x48 / 4] = {
    0x48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    (ULONG)&KmdfEdgeCookie, /* 0x3C: SecurityCookie */
};
#endif

/* The cookie as the driver sees it at run time. */
ULONGLONG NTAPI GsCookie(VOID) { return KmdfEdgeCookie; }

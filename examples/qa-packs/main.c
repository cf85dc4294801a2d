/*
 * qapacks.sys — lessons from the held-out set fresh4 (DriverPack Solution driver packs, issue 12,
 * session 10). Each Test* export returns the number of failed checks (apitest.h's CHECK prints
 * each failure).
 *
 * RtlQueryModuleInformation is the ntoskrnl.exe export aux_klib.lib's AuxKlibQueryModuleInformation
 * calls (Microsoft Learn, aux_klib.h: AuxKlibQueryModuleInformation, AUX_MODULE_BASIC_INFO,
 * AUX_MODULE_EXTENDED_INFO; the structures below are written from those pages). Signed drivers that
 * link aux_klib.lib import it by this name.
 */
#include "../include/apitest.h"

#define AUX_KLIB_MODULE_PATH_LEN 256
typedef struct _AUX_MODULE_BASIC_INFO {
    PVOID ImageBase;
} AUX_MODULE_BASIC_INFO, *PAUX_MODULE_BASIC_INFO;
typedef struct _AUX_MODULE_EXTENDED_INFO {
    AUX_MODULE_BASIC_INFO BasicInfo;
    ULONG ImageSize;
    USHORT FileNameOffset;
    UCHAR FullPathName[AUX_KLIB_MODULE_PATH_LEN];
} AUX_MODULE_EXTENDED_INFO, *PAUX_MODULE_EXTENDED_INFO;

__declspec(dllimport) NTSTATUS NTAPI RtlQueryModuleInformation(PULONG InformationLength, ULONG SizePerModule, PVOID InformationBuffer);

#define TAG 'kPaQ'

DRIVER_INITIALIZE DriverEntry;
static VOID Unload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }

static BOOLEAN NameIs(const UCHAR *name, const char *want)
{
    for (; *want; name++, want++) {
        UCHAR a = *name, b = (UCHAR)*want;
        if (a >= 'A' && a <= 'Z') a = (UCHAR)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (UCHAR)(b - 'A' + 'a');
        if (a != b) return FALSE;
    }
    return *name == 0;
}

/* The size query, the extended and the basic forms, our own image in the list, a short buffer. */
__declspec(dllexport) ULONG TestAuxModules(void)
{
    ULONG failures = 0;
    ULONG size = 0, size2, basicSize = 0, i, n, found = 0, kernel = 0;
    ULONG_PTR self = (ULONG_PTR)&TestAuxModules;
    PAUX_MODULE_EXTENDED_INFO ext;
    PAUX_MODULE_BASIC_INFO basic;
    NTSTATUS st;

    /* The element sizes (clang's sizeof; Learn's layout): the extended form is 272 bytes on x64, 268 on x86. */
    CHECK(sizeof(AUX_MODULE_EXTENDED_INFO) == (sizeof(PVOID) == 8 ? 272 : 268));
    CHECK(FIELD_OFFSET(AUX_MODULE_EXTENDED_INFO, FullPathName) == sizeof(PVOID) + 6);

    st = RtlQueryModuleInformation(&size, sizeof(AUX_MODULE_EXTENDED_INFO), NULL);
    CHECK(st == STATUS_SUCCESS);
    CHECK(size != 0 && size % sizeof(AUX_MODULE_EXTENDED_INFO) == 0);
    n = size / sizeof(AUX_MODULE_EXTENDED_INFO);
    CHECK(n >= 2); /* the kernel and this driver at least */
    st = RtlQueryModuleInformation(&basicSize, sizeof(AUX_MODULE_BASIC_INFO), NULL);
    CHECK(st == STATUS_SUCCESS && basicSize == n * sizeof(AUX_MODULE_BASIC_INFO));
    if (size == 0 || n < 2) return failures;

    ext = ExAllocatePoolWithTag(NonPagedPoolNx, size, TAG);
    basic = ExAllocatePoolWithTag(NonPagedPoolNx, basicSize, TAG);
    CHECK(ext != NULL && basic != NULL);
    if (ext == NULL || basic == NULL) {
        if (ext) ExFreePoolWithTag(ext, TAG);
        if (basic) ExFreePoolWithTag(basic, TAG);
        return failures;
    }

    /* One element short: STATUS_BUFFER_TOO_SMALL and the needed size written back. */
    size2 = size - sizeof(AUX_MODULE_EXTENDED_INFO);
    st = RtlQueryModuleInformation(&size2, sizeof(AUX_MODULE_EXTENDED_INFO), ext);
    CHECK(st == STATUS_BUFFER_TOO_SMALL);
    CHECK(size2 == size);

    size2 = size;
    RtlFillMemory(ext, size, 0xCC);
    st = RtlQueryModuleInformation(&size2, sizeof(AUX_MODULE_EXTENDED_INFO), ext);
    CHECK(st == STATUS_SUCCESS);
    for (i = 0; i < n && st == STATUS_SUCCESS; i++) {
        PAUX_MODULE_EXTENDED_INFO m = &ext[i];
        ULONG_PTR base = (ULONG_PTR)m->BasicInfo.ImageBase;
        CHECK(m->FileNameOffset < AUX_KLIB_MODULE_PATH_LEN);
        CHECK(m->ImageSize != 0);
        if (m->FileNameOffset >= AUX_KLIB_MODULE_PATH_LEN) continue;
        if (self >= base && self < base + m->ImageSize) {
            found++;
            CHECK(NameIs(m->FullPathName + m->FileNameOffset, "qapacks.sys"));
            CHECK(m->FileNameOffset > 0 && m->FullPathName[m->FileNameOffset - 1] == '\\');
        }
        if (NameIs(m->FullPathName + m->FileNameOffset, "ntoskrnl.exe")) kernel++;
    }
    CHECK(found == 1);
    CHECK(kernel == 1);
    /* ntoskrnl.exe comes first, as in SystemModuleInformation. */
    CHECK(NameIs(ext[0].FullPathName + ext[0].FileNameOffset, "ntoskrnl.exe"));

    /* The basic form lists the same image bases in the same order. */
    st = RtlQueryModuleInformation(&basicSize, sizeof(AUX_MODULE_BASIC_INFO), basic);
    CHECK(st == STATUS_SUCCESS);
    for (i = 0; i < n && st == STATUS_SUCCESS; i++) CHECK(basic[i].ImageBase == ext[i].BasicInfo.ImageBase);

    ExFreePoolWithTag(ext, TAG);
    ExFreePoolWithTag(basic, TAG);
    return failures;
}

/* An element size that is neither structure's: refused, the buffer untouched. */
__declspec(dllexport) ULONG TestAuxModulesBadSize(void)
{
    ULONG failures = 0;
    UCHAR buf[64];
    ULONG size = sizeof(buf);
    RtlFillMemory(buf, sizeof(buf), 0x5A);
    CHECK(RtlQueryModuleInformation(&size, 12, buf) == STATUS_INVALID_PARAMETER);
    CHECK(buf[0] == 0x5A && buf[sizeof(buf) - 1] == 0x5A);
    CHECK(size == sizeof(buf));
    return failures;
}

/* A section named "page" in lower case is not pageable: the kernel pages only sections whose name
 * starts with "PAGE" byte for byte (ReactOS sysldr.c compares the first four bytes with 'EGAP').
 * SigmaTel's x86 sthda.sys keeps data in such a section and reads it under a spin lock. */
__attribute__((section("page"))) volatile LONG QpLowerPage[2] = { 31, 32 };
__attribute__((section("PAGEQP"))) volatile LONG QpUpperPage = 41;

__declspec(dllexport) ULONG TestLowerCasePageSection(void)
{
    ULONG failures = 0;
    KIRQL old;
    LONG v;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    v = QpLowerPage[1];
    KeLowerIrql(old);
    CHECK(v == 32);
    /* The upper-case one is pageable: read at PASSIVE_LEVEL only. */
    CHECK(QpUpperPage == 41);
    return failures;
}

/* The same read of the upper-case PAGE* section at DISPATCH_LEVEL is bug check 0xD1. */
__declspec(dllexport) ULONG TestUpperCasePageSection(void)
{
    KIRQL old;
    LONG v;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    v = QpUpperPage;
    KeLowerIrql(old);
    return v == 41 ? 0 : 1;
}

/* x86 ntoskrnl's RtlExtendedLargeIntegerDivide (Learn: wdm.h, obsolete — "use the compiler's
 * support for 64-bit integers"; 3ware's x86 3wDrv100.sys imports it): the quotient of a large
 * integer by a ULONG, the remainder stored when the pointer is not NULL. x64 has no such export. */
#if defined(_M_IX86) || defined(__i386__)
__declspec(dllexport) ULONG TestExtendedDivideX86(void)
{
    ULONG failures = 0;
    LARGE_INTEGER a, q;
    ULONG r = 0xFFFFFFFF;
    a.QuadPart = 0x0000000500000007LL; /* 21474836487 */
    q = RtlExtendedLargeIntegerDivide(a, 10, &r);
    CHECK(q.QuadPart == 2147483648LL && r == 7);
    q = RtlExtendedLargeIntegerDivide(a, 3, NULL);
    CHECK(q.QuadPart == 7158278829LL);
    a.QuadPart = 123456789LL;
    q = RtlExtendedLargeIntegerDivide(a, 1, &r);
    CHECK(q.QuadPart == 123456789LL && r == 0);
    return failures;
}
#else
__declspec(dllexport) ULONG TestExtendedDivideX86(void) { return 0; }
#endif

/* IRP activity IDs (Learn, ntddk.h, Windows 8): kept only while ETW's I/O tracing provider is
 * enabled on the IRP; on a machine without it Set fails (STATUS_UNSUCCESSFUL, or
 * STATUS_NOT_SUPPORTED without a GUID and without a thread activity ID) and Get finds none. */
#if defined(_M_AMD64) || defined(__x86_64__)
__declspec(dllimport) NTSTATUS NTAPI IoSetActivityIdIrp(PIRP Irp, LPCGUID Guid);
__declspec(dllimport) NTSTATUS NTAPI IoGetActivityIdIrp(PIRP Irp, LPGUID Guid);
__declspec(dllexport) ULONG TestActivityId(void)
{
    ULONG failures = 0;
    static const GUID id = { 0x12345678, 0x1234, 0x5678, { 1, 2, 3, 4, 5, 6, 7, 8 } };
    GUID out;
    PIRP irp = IoAllocateIrp(1, FALSE);
    CHECK(irp != NULL);
    if (irp == NULL) return failures;
    CHECK(IoSetActivityIdIrp(irp, &id) == STATUS_UNSUCCESSFUL);
    CHECK(IoSetActivityIdIrp(irp, NULL) == STATUS_NOT_SUPPORTED);
    RtlZeroMemory(&out, sizeof(out));
    CHECK(IoGetActivityIdIrp(irp, &out) == STATUS_NOT_FOUND);
    IoFreeIrp(irp);
    return failures;
}
#else
__declspec(dllexport) ULONG TestActivityId(void) { return 0; }
#endif

/*
 * apirtl.sys — calls the Rtl routines drivers use for counted strings, conversions, memory and
 * versions, and checks every result in C. Each export returns its number of failed checks.
 */
#include "../include/apitest.h"

/* The exported forms (wdm.h maps these names to memcpy/memset macros). */
#undef RtlCopyMemory
#undef RtlMoveMemory
#undef RtlZeroMemory
#undef RtlFillMemory
NTSYSAPI VOID NTAPI RtlCopyMemory(VOID UNALIGNED *Destination, CONST VOID UNALIGNED *Source, SIZE_T Length);
NTSYSAPI VOID NTAPI RtlMoveMemory(VOID UNALIGNED *Destination, CONST VOID UNALIGNED *Source, SIZE_T Length);
NTSYSAPI VOID NTAPI RtlZeroMemory(VOID UNALIGNED *Destination, SIZE_T Length);
NTSYSAPI VOID NTAPI RtlFillMemory(VOID UNALIGNED *Destination, SIZE_T Length, UCHAR Fill);
/* ntifs.h routines (this driver includes ntddk.h), prototypes as the WDK declares them. */
NTSYSAPI NTSTATUS NTAPI RtlDowncaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString, BOOLEAN AllocateDestinationString);
NTSYSAPI ULONG NTAPI RtlRandomEx(PULONG Seed);
NTSYSAPI NTSTATUS NTAPI RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString, PCWSTR SourceString);
NTSYSAPI NTSTATUS NTAPI RtlInitAnsiStringEx(PANSI_STRING DestinationString, PCSZ SourceString);
NTSYSAPI NTSTATUS NTAPI RtlAppendStringToString(PSTRING Destination, const STRING *Source);
NTSYSAPI WCHAR NTAPI RtlAnsiCharToUnicodeChar(PUCHAR *SourceCharacter);

EXPORT_DRIVER_BOILERPLATE(apirtl)

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

static BOOLEAN WEqual(const WCHAR *a, const WCHAR *b, USHORT bytes)
{
    USHORT i;
    for (i = 0; i < bytes / sizeof(WCHAR); i++)
        if (a[i] != b[i]) return FALSE;
    return TRUE;
}

int NTAPI TestInitCopyAppend(void)
{
    int failures = 0;
    UNICODE_STRING u, d;
    ANSI_STRING a;
    STRING s;
    WCHAR buf[16];
    NTSTATUS st;

    RtlInitUnicodeString(&u, L"Hello");
    CHECK(u.Length == 10 && u.MaximumLength == 12 && WEqual(u.Buffer, L"Hello", 10));
    RtlInitUnicodeString(&u, NULL);
    CHECK(u.Length == 0 && u.MaximumLength == 0 && u.Buffer == NULL);
    RtlInitAnsiString(&a, "abc");
    CHECK(a.Length == 3 && a.MaximumLength == 4 && a.Buffer[2] == 'c');
    RtlInitString(&s, "");
    CHECK(s.Length == 0 && s.MaximumLength == 1);

    /* Copy into a small buffer: truncated to MaximumLength, no NUL when full. */
    RtlInitUnicodeString(&u, L"Kernel-mode DLL");
    d.Buffer = buf; d.Length = 0; d.MaximumLength = 8;
    RtlFillMemory(buf, sizeof buf, 0x55);
    RtlCopyUnicodeString(&d, &u);
    CHECK(d.Length == 8 && WEqual(buf, L"Kern", 8) && buf[4] == 0x5555);
    d.MaximumLength = sizeof buf;
    RtlCopyUnicodeString(&d, &u);
    CHECK(d.Length == 30 && buf[15] == 0);   /* 15 chars + NUL fill the 32 bytes */
    RtlCopyUnicodeString(&d, NULL);
    CHECK(d.Length == 0);

    /* Append: succeeds with room, NUL-terminates when possible, fails without room. */
    d.Length = 0;
    RtlInitUnicodeString(&u, L"ab");
    st = RtlAppendUnicodeStringToString(&d, &u);
    CHECK(st == STATUS_SUCCESS && d.Length == 4 && buf[2] == 0);
    st = RtlAppendUnicodeToString(&d, L"cdef");
    CHECK(st == STATUS_SUCCESS && d.Length == 12 && WEqual(buf, L"abcdef", 12) && buf[6] == 0);
    st = RtlAppendUnicodeToString(&d, L"0123456789X");
    CHECK(st == STATUS_BUFFER_TOO_SMALL && d.Length == 12);
    return failures;
}

int NTAPI TestCompare(void)
{
    int failures = 0;
    UNICODE_STRING a, b, c;
    ANSI_STRING x, y;
    RtlInitUnicodeString(&a, L"Registry");
    RtlInitUnicodeString(&b, L"REGISTRY");
    RtlInitUnicodeString(&c, L"Registry\\Machine");
    CHECK(!RtlEqualUnicodeString(&a, &b, FALSE));
    CHECK(RtlEqualUnicodeString(&a, &b, TRUE));
    CHECK(RtlCompareUnicodeString(&a, &b, TRUE) == 0);
    CHECK(RtlCompareUnicodeString(&a, &b, FALSE) > 0);   /* 'e' > 'E' */
    CHECK(RtlCompareUnicodeString(&a, &c, FALSE) < 0);   /* prefix is smaller */
    CHECK(RtlCompareUnicodeString(&c, &a, FALSE) > 0);
    CHECK(RtlPrefixUnicodeString(&b, &c, TRUE));
    CHECK(!RtlPrefixUnicodeString(&b, &c, FALSE));
    RtlInitAnsiString(&x, "apple");
    RtlInitAnsiString(&y, "APPLE");
    CHECK(RtlEqualString(&x, &y, TRUE) && !RtlEqualString(&x, &y, FALSE));
    CHECK(RtlCompareString(&x, &y, FALSE) > 0 && RtlCompareString(&x, &y, TRUE) == 0);
    RtlInitAnsiString(&y, "apricot");
    CHECK(RtlCompareString(&x, &y, FALSE) < 0);
    return failures;
}

int NTAPI TestConvert(void)
{
    int failures = 0;
    ANSI_STRING a, a2;
    UNICODE_STRING u, u2;
    WCHAR wbuf[4];
    CHAR cbuf[4];
    NTSTATUS st;

    RtlInitAnsiString(&a, "DriverName");
    st = RtlAnsiStringToUnicodeString(&u, &a, TRUE);
    CHECK(st == STATUS_SUCCESS && u.Length == 20 && u.MaximumLength == 22 && u.Buffer != NULL);
    CHECK(u.Buffer != NULL && WEqual(u.Buffer, L"DriverName", 20) && u.Buffer[10] == 0);
    st = RtlUnicodeStringToAnsiString(&a2, &u, TRUE);
    CHECK(st == STATUS_SUCCESS && a2.Length == 10 && a2.MaximumLength == 11 && RtlEqualString(&a, &a2, FALSE));
    RtlFreeAnsiString(&a2);
    CHECK(a2.Buffer == NULL && a2.Length == 0);
    RtlFreeUnicodeString(&u);
    CHECK(u.Buffer == NULL && u.Length == 0 && u.MaximumLength == 0);

    /* Into caller buffers that are too small. */
    u2.Buffer = wbuf; u2.Length = 0; u2.MaximumLength = sizeof wbuf;
    st = RtlAnsiStringToUnicodeString(&u2, &a, FALSE);
    CHECK(st == STATUS_BUFFER_OVERFLOW);
    RtlInitUnicodeString(&u, L"abcdef");
    a2.Buffer = cbuf; a2.Length = 0; a2.MaximumLength = sizeof cbuf;
    st = RtlUnicodeStringToAnsiString(&a2, &u, FALSE);
    CHECK(st == STATUS_BUFFER_OVERFLOW && a2.Length == 3 && cbuf[0] == 'a' && cbuf[2] == 'c' && cbuf[3] == 0);
    RtlInitAnsiString(&a, "xy");
    st = RtlAnsiStringToUnicodeString(&u2, &a, FALSE);
    CHECK(st == STATUS_SUCCESS && u2.Length == 4 && wbuf[0] == L'x' && wbuf[2] == 0);
    return failures;
}

int NTAPI TestCase(void)
{
    int failures = 0;
    UNICODE_STRING src, up, fixed;
    WCHAR buf[8];
    NTSTATUS st;
    RtlInitUnicodeString(&src, L"MixEd\x00e9");
    st = RtlUpcaseUnicodeString(&up, &src, TRUE);
    CHECK(st == STATUS_SUCCESS && up.Length == 12 && WEqual(up.Buffer, L"MIXED\x00c9", 12));
    RtlFreeUnicodeString(&up);
    fixed.Buffer = buf; fixed.Length = 0; fixed.MaximumLength = sizeof buf;
    st = RtlDowncaseUnicodeString(&fixed, &src, FALSE);
    CHECK(st == STATUS_SUCCESS && fixed.Length == 12 && WEqual(buf, L"mixed\x00e9", 12));
    fixed.MaximumLength = 4;
    st = RtlUpcaseUnicodeString(&fixed, &src, FALSE);
    CHECK(st == STATUS_BUFFER_OVERFLOW);
    CHECK(RtlUpcaseUnicodeChar(L'q') == L'Q' && RtlUpcaseUnicodeChar(L'7') == L'7');
    CHECK(RtlUpperChar('z') == 'Z');
    return failures;
}

int NTAPI TestIntegers(void)
{
    int failures = 0;
    UNICODE_STRING u;
    WCHAR buf[12];
    ULONG v = 0;
    NTSTATUS st;
    u.Buffer = buf; u.Length = 0; u.MaximumLength = sizeof buf;
    st = RtlIntegerToUnicodeString(1234567, 10, &u);
    CHECK(st == STATUS_SUCCESS && u.Length == 14 && WEqual(buf, L"1234567", 14) && buf[7] == 0);
    st = RtlIntegerToUnicodeString(0xBEEF, 16, &u);
    CHECK(st == STATUS_SUCCESS && u.Length == 8 && WEqual(buf, L"BEEF", 8));
    st = RtlIntegerToUnicodeString(5, 2, &u);
    CHECK(st == STATUS_SUCCESS && WEqual(buf, L"101", 6));
    st = RtlIntegerToUnicodeString(5, 7, &u);
    CHECK(st == STATUS_INVALID_PARAMETER);
    u.MaximumLength = 6;
    st = RtlIntegerToUnicodeString(4096, 10, &u);
    CHECK(st == STATUS_BUFFER_OVERFLOW);

    RtlInitUnicodeString(&u, L"  -42xyz");
    st = RtlUnicodeStringToInteger(&u, 10, &v);
    CHECK(st == STATUS_SUCCESS && (LONG)v == -42);
    RtlInitUnicodeString(&u, L"0x1F");
    st = RtlUnicodeStringToInteger(&u, 0, &v);
    CHECK(st == STATUS_SUCCESS && v == 31);
    RtlInitUnicodeString(&u, L"777");
    st = RtlUnicodeStringToInteger(&u, 8, &v);
    CHECK(st == STATUS_SUCCESS && v == 511);
    st = RtlUnicodeStringToInteger(&u, 3, &v);
    CHECK(st == STATUS_INVALID_PARAMETER);
    st = RtlCharToInteger("+100", 16, &v);
    CHECK(st == STATUS_SUCCESS && v == 256);
    return failures;
}

int NTAPI TestMemory(void)
{
    int failures = 0;
    UCHAR a[32], b[32];
    int i;
    for (i = 0; i < 32; i++) a[i] = (UCHAR)(i * 3);
    RtlCopyMemory(b, a, sizeof a);
    CHECK(RtlCompareMemory(a, b, sizeof a) == sizeof a);
    b[20] ^= 1;
    CHECK(RtlCompareMemory(a, b, sizeof a) == 20);
    RtlMoveMemory(a + 1, a, 16);   /* overlapping */
    CHECK(a[0] == 0 && a[1] == 0 && a[2] == 3 && a[16] == 45 && a[17] == 51);
    RtlZeroMemory(a, 8);
    CHECK(a[0] == 0 && a[7] == 0 && a[8] == 21);
    RtlFillMemory(b, 4, 0xAB);
    CHECK(b[0] == 0xAB && b[3] == 0xAB && b[4] == 12);
    return failures;
}

int NTAPI TestVersion(void)
{
    int failures = 0;
    RTL_OSVERSIONINFOW v;
    RTL_OSVERSIONINFOEXW vx;
    ULONG seed = 1, r1, r2;
    v.dwOSVersionInfoSize = sizeof v;
    CHECK(RtlGetVersion(&v) == STATUS_SUCCESS && v.dwMajorVersion >= 6 && v.dwPlatformId == 2);
    RtlZeroMemory(&vx, sizeof vx);
    vx.dwOSVersionInfoSize = sizeof vx;
    CHECK(RtlGetVersion((PRTL_OSVERSIONINFOW)&vx) == STATUS_SUCCESS && vx.dwBuildNumber == v.dwBuildNumber && vx.wProductType == 1);
    DbgPrint("apirtl: Windows %lu.%lu build %lu\n", v.dwMajorVersion, v.dwMinorVersion, v.dwBuildNumber);
    r1 = RtlRandomEx(&seed);
    r2 = RtlRandomEx(&seed);
    CHECK(r1 != r2 && r1 < 0x7FFFFFFF && seed == r2);
    return failures;
}

typedef ULONG (NTAPI *PFN_UNIFORM)(PULONG);
static PVOID Routine(PCWSTR name)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return MmGetSystemRoutineAddress(&u);
}

/* The less common Rtl exports. */
int NTAPI TestMore(void)
{
    int failures = 0;
    UNICODE_STRING u;
    ANSI_STRING a, b;
    STRING c;
    CHAR buf[16], buf2[8];
    WCHAR wbuf[24];
    PUCHAR p;
    ULONG seed = 7, r;
    PFN_UNIFORM uniform = (PFN_UNIFORM)Routine(L"RtlUniform");
    PFN_UNIFORM random = (PFN_UNIFORM)Routine(L"RtlRandom");

    CHECK(RtlInitUnicodeStringEx(&u, L"ex") == STATUS_SUCCESS && u.Length == 4);
    CHECK(RtlInitAnsiStringEx(&a, "ansi") == STATUS_SUCCESS && a.Length == 4);
    b.Buffer = buf; b.Length = 0; b.MaximumLength = sizeof buf;
    RtlCopyString(&b, &a);
    CHECK(b.Length == 4 && buf[3] == 'i' && buf[4] == 0);
    CHECK(RtlAppendStringToString(&b, &a) == STATUS_SUCCESS && b.Length == 8 && buf[7] == 'i');
    c.Buffer = buf2; c.Length = 0; c.MaximumLength = sizeof buf2;
    CHECK(RtlAppendStringToString(&c, &b) == STATUS_SUCCESS && c.Length == 8);
    CHECK(RtlAppendStringToString(&c, &a) == STATUS_BUFFER_TOO_SMALL);
    u.Buffer = wbuf; u.Length = 0; u.MaximumLength = sizeof wbuf;
    CHECK(RtlInt64ToUnicodeString(0x123456789ULL, 16, &u) == STATUS_SUCCESS && u.Length == 18 && wbuf[0] == L'1' && wbuf[8] == L'9');
    CHECK(RtlDowncaseUnicodeChar(L'Q') == L'q');
    p = (PUCHAR)"AZ";
    CHECK(RtlAnsiCharToUnicodeChar(&p) == L'A' && *p == 'Z');
    CHECK(uniform != NULL && random != NULL);
    if (uniform && random) {
        r = uniform(&seed);
        CHECK(r == seed && r < 0x7FFFFFFF);
        CHECK(random(&seed) != r);
    }
    return failures;
}

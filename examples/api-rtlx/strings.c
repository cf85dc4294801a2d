/*
 * Time fields, version checks, strings (UTF-8, GUIDs, hashes, IPv4, multibyte), CRC-32 and the
 * secure CRT.
 */
#include "apirtlx.h"

int TestTime(void)
{
    int failures = 0;
    TIME_FIELDS tf;
    LARGE_INTEGER t, t2, local;
    ULONG secs = 0;

    /* 2024-02-29 12:34:56.789 UTC, a Thursday. */
    RtlZeroMemory(&tf, sizeof(tf));
    tf.Year = 2024; tf.Month = 2; tf.Day = 29; tf.Hour = 12; tf.Minute = 34; tf.Second = 56; tf.Milliseconds = 789;
    CHECK(RtlTimeFieldsToTime(&tf, &t) == TRUE);
    CHECK(t.QuadPart == 133536836967890000LL);
    RtlZeroMemory(&tf, sizeof(tf));
    RtlTimeToTimeFields(&t, &tf);
    CHECK(tf.Year == 2024 && tf.Month == 2 && tf.Day == 29 && tf.Weekday == 4 && tf.Milliseconds == 789);
    tf.Day = 30;
    CHECK(RtlTimeFieldsToTime(&tf, &t2) == FALSE); /* no February 30th */
    CHECK(RtlTimeToSecondsSince1970(&t, &secs) == TRUE && secs == 1709210096);
    RtlSecondsSince1970ToTime(secs, &t2);
    CHECK(t2.QuadPart == t.QuadPart - 7890000);
    CHECK(RtlTimeToSecondsSince1980(&t, &secs) == TRUE && secs == 1709210096 - 315532800);
    RtlSecondsSince1980ToTime(0, &t2);
    CHECK(t2.QuadPart == 119600064000000000LL);
    ExSystemTimeToLocalTime(&t, &local);
    CHECK(local.QuadPart == t.QuadPart); /* the emulated time zone is UTC */
    ExLocalTimeToSystemTime(&local, &t2);
    CHECK(t2.QuadPart == t.QuadPart);
    t.QuadPart = 0;
    CHECK(RtlTimeToSecondsSince1970(&t, &secs) == FALSE);
    return failures;
}

int TestVersion(void)
{
    int failures = 0;
    RTL_OSVERSIONINFOEXW v;
    ULONGLONG mask = 0;

    RtlZeroMemory(&v, sizeof(v));
    v.dwOSVersionInfoSize = sizeof(v);
    v.dwMajorVersion = 6;
    v.dwMinorVersion = 1;
    mask = VerSetConditionMask(0, VER_MAJORVERSION, VER_GREATER_EQUAL);
    mask = VerSetConditionMask(mask, VER_MINORVERSION, VER_GREATER_EQUAL);
    CHECK(mask == ((ULONGLONG)VER_GREATER_EQUAL << 3 | VER_GREATER_EQUAL));
    CHECK(RtlVerifyVersionInfo(&v, VER_MAJORVERSION | VER_MINORVERSION, mask) == STATUS_SUCCESS); /* 10.0 >= 6.1 */
    v.dwMajorVersion = 11;
    CHECK(RtlVerifyVersionInfo(&v, VER_MAJORVERSION | VER_MINORVERSION, mask) == STATUS_REVISION_MISMATCH);
    v.dwBuildNumber = 19045;
    CHECK(RtlVerifyVersionInfo(&v, VER_BUILDNUMBER, VerSetConditionMask(0, VER_BUILDNUMBER, VER_EQUAL)) == STATUS_SUCCESS);
    CHECK(RtlVerifyVersionInfo(&v, 0, mask) == STATUS_INVALID_PARAMETER);
    CHECK(RtlIsNtDdiVersionAvailable(NTDDI_WIN7) == TRUE);
    CHECK(RtlIsNtDdiVersionAvailable(0x0A00000C) == FALSE);
    return failures;
}

int TestStrings(void)
{
    int failures = 0;
    UNICODE_STRING u, d, g;
    GUID guid = { 0x01234567, 0x89AB, 0xCDEF, { 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF } }, back;
    char utf8[16];
    WCHAR wide[16];
    ULONG n = 0, hash = 0, hash2 = 0;
    char ip[20];
    PCSTR end;
    UCHAR addr[4] = { 192, 168, 1, 20 }, parsed[4];
    char digits[12];

    CHECK(RtlCreateUnicodeString(&u, L"Widget") == TRUE && u.Length == 12);
    CHECK(RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE, &u, &d) == STATUS_SUCCESS);
    CHECK(RtlEqualUnicodeString(&u, &d, FALSE) && d.Buffer != u.Buffer && d.Buffer[6] == 0);
    CHECK(RtlHashUnicodeString(&u, TRUE, HASH_STRING_ALGORITHM_X65599, &hash) == STATUS_SUCCESS);
    RtlUpcaseUnicodeString(&d, &d, FALSE);
    CHECK(RtlHashUnicodeString(&d, TRUE, HASH_STRING_ALGORITHM_X65599, &hash2) == STATUS_SUCCESS && hash == hash2);
    CHECK(RtlHashUnicodeString(&u, TRUE, 7, &hash) == STATUS_INVALID_PARAMETER);
    CHECK(RtlCompareUnicodeStrings(u.Buffer, 6, d.Buffer, 6, TRUE) == 0 && RtlCompareUnicodeStrings(u.Buffer, 6, d.Buffer, 6, FALSE) > 0);
    RtlFreeUnicodeString(&d);
    RtlFreeUnicodeString(&u);

    CHECK(RtlStringFromGUID(&guid, &g) == STATUS_SUCCESS);
    RtlInitUnicodeString(&u, L"{01234567-89AB-CDEF-0123-456789ABCDEF}");
    CHECK(RtlEqualUnicodeString(&g, &u, FALSE));
    CHECK(RtlGUIDFromString(&g, &back) == STATUS_SUCCESS && RtlCompareMemory(&back, &guid, sizeof(GUID)) == sizeof(GUID));
    RtlFreeUnicodeString(&g);
    RtlInitUnicodeString(&u, L"not a guid");
    CHECK(RtlGUIDFromString(&u, &back) == STATUS_INVALID_PARAMETER);

    /* "é€" in UTF-8 is 5 bytes. */
    CHECK(RtlUnicodeToUTF8N(NULL, 0, &n, L"\x00E9\x20AC", 4) == STATUS_SUCCESS && n == 5);
    CHECK(RtlUnicodeToUTF8N(utf8, sizeof(utf8), &n, L"\x00E9\x20AC", 4) == STATUS_SUCCESS && n == 5 && (UCHAR)utf8[0] == 0xC3 && (UCHAR)utf8[2] == 0xE2);
    CHECK(RtlUnicodeToUTF8N(utf8, 3, &n, L"\x00E9\x20AC", 4) == STATUS_BUFFER_TOO_SMALL);
    CHECK(RtlUTF8ToUnicodeN(wide, sizeof(wide), &n, "\xC3\xA9\xE2\x82\xAC", 5) == STATUS_SUCCESS && n == 4 && wide[1] == 0x20AC);
    CHECK(RtlUTF8ToUnicodeN(wide, sizeof(wide), &n, "\xFF", 1) == STATUS_SOME_NOT_MAPPED && wide[0] == 0xFFFD);
    CHECK(RtlMultiByteToUnicodeN(wide, sizeof(wide), &n, "abc", 3) == STATUS_SUCCESS && n == 6 && wide[2] == L'c');
    CHECK(RtlUnicodeToMultiByteN(utf8, sizeof(utf8), &n, L"xyz", 6) == STATUS_SUCCESS && n == 3 && utf8[2] == 'z');
    CHECK(RtlMultiByteToUnicodeSize(&n, "abcd", 4) == STATUS_SUCCESS && n == 8);
    CHECK(RtlUnicodeToMultiByteSize(&n, L"ab", 4) == STATUS_SUCCESS && n == 2);

    end = RtlIpv4AddressToStringA((struct in_addr *)addr, ip);
    CHECK(strcmp(ip, "192.168.1.20") == 0 && end == ip + 12);
    CHECK(RtlIpv4AddressToStringW((struct in_addr *)addr, wide) == wide + 12 && wide[3] == L'.');
    CHECK(RtlIpv4StringToAddressA("10.0.0.1:80", TRUE, &end, (struct in_addr *)parsed) == STATUS_SUCCESS);
    CHECK(parsed[0] == 10 && parsed[3] == 1 && *end == ':');
    CHECK(RtlIpv4StringToAddressA("300.1.1.1", TRUE, &end, (struct in_addr *)parsed) == STATUS_INVALID_PARAMETER);

    CHECK(RtlIntegerToChar(255, 16, sizeof(digits), digits) == STATUS_SUCCESS && strcmp(digits, "FF") == 0);
    CHECK(RtlIntegerToChar(123456, 10, 3, digits) == STATUS_BUFFER_OVERFLOW);
    CHECK(RtlComputeCrc32(0, "123456789", 9) == 0xCBF43926);
    {
        ULONG words[4] = { 7, 7, 7, 8 };
        CHECK(RtlCompareMemoryUlong(words, sizeof(words), 7) == 12);
    }
    return failures;
}

static int FormatV(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsprintf_s(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int TestSecureCrt(void)
{
    int failures = 0;
    char buf[8];
    WCHAR wbuf[8];
    char src[4] = "abc";

    CHECK(memcpy_s(buf, sizeof(buf), src, 4) == 0 && strcmp(buf, "abc") == 0);
    CHECK(memcpy_s(buf, 2, src, 4) == 34 && buf[0] == 0); /* ERANGE, destination cleared */
    CHECK(memmove_s(buf, sizeof(buf), src, 0) == 0);
    CHECK(strcpy_s(buf, sizeof(buf), "hello") == 0 && strcmp(buf, "hello") == 0);
    CHECK(strcpy_s(buf, 4, "hello") == 34 && buf[0] == 0);
    CHECK(strcpy_s(NULL, 4, "x") == 22);
    CHECK(strcpy_s(buf, sizeof(buf), "ab") == 0 && strcat_s(buf, sizeof(buf), "cd") == 0 && strcmp(buf, "abcd") == 0);
    CHECK(strcat_s(buf, sizeof(buf), "efgh") == 34);
    CHECK(strncpy_s(buf, sizeof(buf), "abcdefghij", _TRUNCATE) == 80 && strcmp(buf, "abcdefg") == 0);
    CHECK(strncpy_s(buf, sizeof(buf), "abcdef", 3) == 0 && strcmp(buf, "abc") == 0);
    CHECK(wcscpy_s(wbuf, 8, L"wide") == 0 && wcscat_s(wbuf, 8, L"!") == 0 && wcscmp(wbuf, L"wide!") == 0);
    CHECK(wcsncpy_s(wbuf, 8, L"abcdef", 2) == 0 && wcscmp(wbuf, L"ab") == 0);
    CHECK(sprintf_s(buf, sizeof(buf), "%d-%s", 42, "x") == 4 && strcmp(buf, "42-x") == 0);
    CHECK(sprintf_s(buf, 3, "%d", 12345) == -1 && buf[0] == 0);
    CHECK(swprintf_s(wbuf, 8, L"%02x", 10) == 2 && wcscmp(wbuf, L"0a") == 0);
    CHECK(_itoa_s(-42, buf, sizeof(buf), 10) == 0 && strcmp(buf, "-42") == 0);
    CHECK(_itoa_s(255, buf, 2, 16) == 34);
    CHECK(_ultoa_s(255, buf, sizeof(buf), 2) == 34); /* 8 digits + NUL do not fit in 8 */
    CHECK(_ultoa_s(255, buf, sizeof(buf), 16) == 0 && strcmp(buf, "ff") == 0);
    CHECK(FormatV(buf, sizeof(buf), "%u/%u", 3u, 4u) == 3 && strcmp(buf, "3/4") == 0);
    CHECK(_i64toa_s(-1, buf, sizeof(buf), 10) == 0 && strcmp(buf, "-1") == 0);
    CHECK(_itow_s(31, wbuf, 8, 16) == 0 && wcscmp(wbuf, L"1f") == 0);
    CHECK(strcmp(_itoa(-7, buf, 10), "-7") == 0);
    CHECK(wcscmp(_itow(8, wbuf, 8), L"10") == 0);
    return failures;
}

/*
 * wdkhdr.sys - RtlUnicodeStringPrintf as Microsoft Learn documents it: the result fills the
 * UNICODE_STRING's buffer up to MaximumLength (no terminating NUL needed), a text that does not
 * fit is truncated with STATUS_BUFFER_OVERFLOW, a malformed UNICODE_STRING or no format is
 * STATUS_INVALID_PARAMETER.
 */
#include "wdkhdr.h"

int TestUnicodePrintf(void)
{
    int failures = 0;
    WCHAR buffer[8];
    UNICODE_STRING s;
    NTSTATUS status;

    s.Buffer = buffer;
    s.Length = 0;
    s.MaximumLength = sizeof(buffer);
    status = RtlUnicodeStringPrintf(&s, L"id%u-%s", 42u, L"ab");
    CHECK(status == STATUS_SUCCESS);
    CHECK(s.Length == 7 * sizeof(WCHAR));
    CHECK(RtlCompareMemory(buffer, L"id42-ab", 7 * sizeof(WCHAR)) == 7 * sizeof(WCHAR));

    /* Exactly the buffer: eight characters, no room for a NUL, still success. */
    status = RtlUnicodeStringPrintf(&s, L"%s", L"ABCDEFGH");
    CHECK(status == STATUS_SUCCESS);
    CHECK(s.Length == 8 * sizeof(WCHAR));

    /* One more: truncated to the buffer. */
    status = RtlUnicodeStringPrintf(&s, L"%s%d", L"ABCDEFGH", 9);
    CHECK(status == STATUS_BUFFER_OVERFLOW);
    CHECK(s.Length == 8 * sizeof(WCHAR));
    CHECK(buffer[7] == L'H');

    /* Malformed strings and a missing format. */
    s.MaximumLength = 7;
    CHECK(RtlUnicodeStringPrintf(&s, L"x") == STATUS_INVALID_PARAMETER);
    s.MaximumLength = sizeof(buffer);
    s.Length = 18;
    CHECK(RtlUnicodeStringPrintf(&s, L"x") == STATUS_INVALID_PARAMETER);
    s.Length = 0;
    s.Buffer = NULL;
    CHECK(RtlUnicodeStringPrintf(&s, L"x") == STATUS_INVALID_PARAMETER);
    s.Buffer = buffer;
    CHECK(RtlUnicodeStringPrintf(&s, NULL) == STATUS_INVALID_PARAMETER);
    return failures;
}

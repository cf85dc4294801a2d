/*
 * RtlUnicodeStringPrintf / RtlUnicodeStringVPrintf: the WDK's ntstrsafe.h has a family of
 * UNICODE_STRING routines (unless NTSTRSAFE_NO_UNICODE_STRING_FUNCTIONS); mingw-w64's has none.
 * These two, written from Microsoft Learn ("RtlUnicodeStringPrintf function (ntstrsafe.h)"):
 * format into DestinationString->Buffer, up to MaximumLength bytes, no terminating NUL needed;
 * Length = bytes written; STATUS_BUFFER_OVERFLOW with the truncated text when it does not fit;
 * STATUS_INVALID_PARAMETER for a UNICODE_STRING that is not valid (odd lengths, Length above
 * MaximumLength, more than NTSTRSAFE_UNICODE_STRING_MAX_CCH characters, no buffer) or no format.
 * Over ntoskrnl's _vsnwprintf (which returns -1 when the text does not fit the count).
 */
#ifndef KMDLL_UNICODE_STRSAFE_H
#define KMDLL_UNICODE_STRSAFE_H
#ifndef NTSTRSAFE_NO_UNICODE_STRING_FUNCTIONS
#ifndef NTSTRSAFE_UNICODE_STRING_MAX_CCH
#define NTSTRSAFE_UNICODE_STRING_MAX_CCH 32767
#endif

static __inline NTSTATUS
kmdll_ValidUnicodeString(PCUNICODE_STRING s)
{
    if (s == NULL || (s->Length & 1) || (s->MaximumLength & 1) || s->Length > s->MaximumLength ||
        s->MaximumLength / sizeof(WCHAR) > NTSTRSAFE_UNICODE_STRING_MAX_CCH || (s->Buffer == NULL && s->MaximumLength != 0))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

static __inline NTSTATUS
RtlUnicodeStringVPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    size_t cch;
    int n;

    if (!NT_SUCCESS(kmdll_ValidUnicodeString(DestinationString)) || pszFormat == NULL)
        return STATUS_INVALID_PARAMETER;
    cch = DestinationString->MaximumLength / sizeof(WCHAR);
    if (cch == 0) {
        DestinationString->Length = 0;
        return *pszFormat == L'\0' ? STATUS_SUCCESS : STATUS_BUFFER_OVERFLOW;
    }
    n = _vsnwprintf(DestinationString->Buffer, cch, pszFormat, argList);
    if (n < 0 || (size_t)n > cch) {
        DestinationString->Length = (USHORT)(cch * sizeof(WCHAR));
        return STATUS_BUFFER_OVERFLOW;
    }
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    return STATUS_SUCCESS;
}

static __inline NTSTATUS
RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    NTSTATUS status;
    va_list args;

    va_start(args, pszFormat);
    status = RtlUnicodeStringVPrintf(DestinationString, pszFormat, args);
    va_end(args);
    return status;
}
#endif
#endif

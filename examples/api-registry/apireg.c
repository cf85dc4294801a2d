/*
 * apireg.sys — the Zw* registry routines: create/open (absolute and relative to a RootDirectory
 * handle), set/query values of every common type with each information class and with buffers too
 * small, enumerate keys and values, delete values and keys, handles after deletion, close.
 * Each test export returns its number of failed checks.
 */
#include "../include/apitest.h"

#define TEST_KEY L"\\Registry\\Machine\\Software\\kmdll-apitest"
#define PARAMS_KEY L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\apireg\\Parameters"

EXPORT_DRIVER_BOILERPLATE(apireg)

static NTSTATUS OpenKey(PHANDLE h, PCWSTR path, HANDLE root, BOOLEAN create, PULONG disposition)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&name, path);
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, root, NULL);
    if (create)
        return ZwCreateKey(h, KEY_ALL_ACCESS, &oa, 0, NULL, REG_OPTION_NON_VOLATILE, disposition);
    return ZwOpenKey(h, KEY_READ, &oa);
}

static NTSTATUS SetValue(HANDLE h, PCWSTR name, ULONG type, const void *data, ULONG size)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, name);
    return ZwSetValueKey(h, &n, 0, type, (PVOID)data, size);
}

static NTSTATUS QueryValue(HANDLE h, PCWSTR name, KEY_VALUE_INFORMATION_CLASS cls, PVOID buf, ULONG len, PULONG result)
{
    UNICODE_STRING n;
    RtlInitUnicodeString(&n, name);
    return ZwQueryValueKey(h, &n, cls, buf, len, result);
}

/* Reads its parameters like a real export driver; prints them. */
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    HANDLE service, params;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    ULONG buf[64], len;
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buf;
    NTSTATUS st;
    InitializeObjectAttributes(&oa, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    st = ZwOpenKey(&service, KEY_READ, &oa);
    if (!NT_SUCCESS(st)) {
        DbgPrint("apireg: no service key %wZ (0x%08X)\n", RegistryPath, st);
        return STATUS_SUCCESS;
    }
    RtlInitUnicodeString(&name, L"Parameters");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, service, NULL);
    st = ZwOpenKey(&params, KEY_READ, &oa);
    if (NT_SUCCESS(st)) {
        st = QueryValue(params, L"Greeting", KeyValuePartialInformation, buf, sizeof buf - sizeof(WCHAR), &len);
        if (NT_SUCCESS(st) && info->Type == REG_SZ)
            DbgPrint("apireg: Greeting=%ws\n", (PWCHAR)info->Data);
        st = QueryValue(params, L"LEVEL", KeyValuePartialInformation, buf, sizeof buf, &len);
        if (NT_SUCCESS(st) && info->Type == REG_DWORD)
            DbgPrint("apireg: Level=%lu\n", *(PULONG)info->Data);
        ZwClose(params);
    }
    ZwClose(service);
    return STATUS_SUCCESS;
}

int NTAPI TestRegistry(void)
{
    int failures = 0;
    HANDLE root = NULL, sub = NULL, again = NULL;
    ULONG disposition = 0, dword = 0x12345678, len = 0;
    ULONGLONG qword = 0x1122334455667788ULL;
    ULONG buf[32];
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buf;
    NTSTATUS st;

    st = OpenKey(&root, TEST_KEY, NULL, TRUE, &disposition);
    CHECK(st == STATUS_SUCCESS && disposition == REG_CREATED_NEW_KEY && root != NULL);
    st = OpenKey(&again, TEST_KEY, NULL, TRUE, &disposition);
    CHECK(st == STATUS_SUCCESS && disposition == REG_OPENED_EXISTING_KEY && again != root);
    ZwClose(again);
    st = OpenKey(&sub, L"Child", root, TRUE, &disposition);             /* relative to root */
    CHECK(st == STATUS_SUCCESS && disposition == REG_CREATED_NEW_KEY);
    st = OpenKey(&again, L"\\Registry\\Machine\\Software\\kmdll-apitest\\No\\Such", NULL, TRUE, &disposition);
    CHECK(st == STATUS_OBJECT_NAME_NOT_FOUND);                          /* parent missing */
    st = OpenKey(&again, TEST_KEY L"\\missing", NULL, FALSE, NULL);
    CHECK(st == STATUS_OBJECT_NAME_NOT_FOUND);
    st = OpenKey(&again, L"\\REGISTRY\\MACHINE\\SOFTWARE\\KMDLL-APITEST\\child", NULL, FALSE, NULL);
    CHECK(st == STATUS_SUCCESS);                                        /* case-insensitive */
    if (NT_SUCCESS(st)) ZwClose(again);

    CHECK(SetValue(root, L"Dword", REG_DWORD, &dword, sizeof dword) == STATUS_SUCCESS);
    CHECK(SetValue(root, L"Qword", REG_QWORD, &qword, sizeof qword) == STATUS_SUCCESS);
    CHECK(SetValue(root, L"Text", REG_SZ, L"value", 12) == STATUS_SUCCESS);
    CHECK(SetValue(root, L"", REG_SZ, L"default", 16) == STATUS_SUCCESS);
    st = QueryValue(root, L"dword", KeyValuePartialInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && info->Type == REG_DWORD && info->DataLength == 4 && *(PULONG)info->Data == 0x12345678);
    CHECK(len == FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + 4);
    st = QueryValue(root, L"Qword", KeyValuePartialInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && info->Type == REG_QWORD && *(ULONGLONG UNALIGNED *)info->Data == qword);
    st = QueryValue(root, L"", KeyValuePartialInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && info->DataLength == 16 && ((PWCHAR)info->Data)[0] == L'd');
    dword = 7;
    CHECK(SetValue(root, L"Dword", REG_DWORD, &dword, sizeof dword) == STATUS_SUCCESS);   /* overwrite */
    st = QueryValue(root, L"Dword", KeyValuePartialInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && *(PULONG)info->Data == 7);

    CHECK(QueryValue(root, L"Missing", KeyValuePartialInformation, buf, sizeof buf, &len) == STATUS_OBJECT_NAME_NOT_FOUND);
    { UNICODE_STRING n; RtlInitUnicodeString(&n, L"Text"); CHECK(ZwDeleteValueKey(root, &n) == STATUS_SUCCESS);
      CHECK(ZwDeleteValueKey(root, &n) == STATUS_OBJECT_NAME_NOT_FOUND); }

    CHECK(ZwDeleteKey(root) == STATUS_CANNOT_DELETE);                    /* has a subkey */
    CHECK(ZwDeleteKey(sub) == STATUS_SUCCESS);
    CHECK(SetValue(sub, L"x", REG_DWORD, &dword, 4) == STATUS_KEY_DELETED);
    CHECK(ZwClose(sub) == STATUS_SUCCESS);
    CHECK(ZwDeleteKey(root) == STATUS_SUCCESS);
    CHECK(ZwClose(root) == STATUS_SUCCESS);
    CHECK(OpenKey(&again, TEST_KEY, NULL, FALSE, NULL) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(ZwClose(root) == STATUS_INVALID_HANDLE);                       /* already closed */
    return failures;
}

int NTAPI TestQueryBuffers(void)
{
    int failures = 0;
    HANDLE key = NULL;
    ULONG disposition, len = 0;
    UCHAR buf[256];
    PKEY_VALUE_BASIC_INFORMATION basic = (PKEY_VALUE_BASIC_INFORMATION)buf;
    PKEY_VALUE_FULL_INFORMATION full = (PKEY_VALUE_FULL_INFORMATION)buf;
    PKEY_VALUE_PARTIAL_INFORMATION partial = (PKEY_VALUE_PARTIAL_INFORMATION)buf;
    static const UCHAR blob[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    static const WCHAR multi[] = L"one\0two\0";
    NTSTATUS st;

    CHECK(OpenKey(&key, TEST_KEY, NULL, TRUE, &disposition) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Blob", REG_BINARY, blob, sizeof blob) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Multi", REG_MULTI_SZ, multi, sizeof multi) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"Path", REG_EXPAND_SZ, L"%SystemRoot%", 26) == STATUS_SUCCESS);

    st = QueryValue(key, L"Blob", KeyValueBasicInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && basic->Type == REG_BINARY && basic->NameLength == 8 && basic->Name[0] == L'B');
    CHECK(len == FIELD_OFFSET(KEY_VALUE_BASIC_INFORMATION, Name) + 8);
    st = QueryValue(key, L"Blob", KeyValueFullInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && full->Type == REG_BINARY && full->DataLength == 10 && full->NameLength == 8);
    CHECK(full->DataOffset >= FIELD_OFFSET(KEY_VALUE_FULL_INFORMATION, Name) + 8 && buf[full->DataOffset + 9] == 10);
    CHECK(len == full->DataOffset + 10);
    st = QueryValue(key, L"Multi", KeyValuePartialInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && partial->Type == REG_MULTI_SZ && partial->DataLength == sizeof multi);
    st = QueryValue(key, L"Path", KeyValuePartialInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && partial->Type == REG_EXPAND_SZ && ((PWCHAR)partial->Data)[0] == L'%');

    /* Header does not fit: STATUS_BUFFER_TOO_SMALL; header fits, data does not: overflow. */
    len = 0;
    st = QueryValue(key, L"Blob", KeyValuePartialInformation, buf, 4, &len);
    CHECK(st == STATUS_BUFFER_TOO_SMALL && len == FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + 10);
    RtlFillMemory(buf, sizeof buf, 0xEE);
    st = QueryValue(key, L"Blob", KeyValuePartialInformation, buf, FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + 2, &len);
    CHECK(st == STATUS_BUFFER_OVERFLOW && len == FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + 10);
    CHECK(partial->Type == REG_BINARY && partial->DataLength == 10);
    st = QueryValue(key, L"Blob", KeyValueBasicInformation, buf, 2, &len);
    CHECK(st == STATUS_BUFFER_TOO_SMALL);

    CHECK(ZwDeleteKey(key) == STATUS_SUCCESS);
    ZwClose(key);
    return failures;
}

int NTAPI TestEnumerate(void)
{
    int failures = 0;
    HANDLE key = NULL, a = NULL, b = NULL;
    ULONG disposition, len, i, dword = 1;
    UCHAR buf[256];
    PKEY_BASIC_INFORMATION kb = (PKEY_BASIC_INFORMATION)buf;
    PKEY_FULL_INFORMATION kf = (PKEY_FULL_INFORMATION)buf;
    PKEY_VALUE_BASIC_INFORMATION vb = (PKEY_VALUE_BASIC_INFORMATION)buf;
    NTSTATUS st;

    CHECK(OpenKey(&key, TEST_KEY, NULL, TRUE, &disposition) == STATUS_SUCCESS);
    CHECK(OpenKey(&b, L"Beta", key, TRUE, &disposition) == STATUS_SUCCESS);
    CHECK(OpenKey(&a, L"alpha", key, TRUE, &disposition) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"V1", REG_DWORD, &dword, 4) == STATUS_SUCCESS);
    CHECK(SetValue(key, L"LongerName", REG_DWORD, &dword, 4) == STATUS_SUCCESS);

    st = ZwEnumerateKey(key, 0, KeyBasicInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && kb->NameLength == 10 && kb->Name[0] == L'a');   /* sorted: alpha, Beta */
    st = ZwEnumerateKey(key, 1, KeyBasicInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && kb->NameLength == 8 && kb->Name[0] == L'B');
    CHECK(ZwEnumerateKey(key, 2, KeyBasicInformation, buf, sizeof buf, &len) == STATUS_NO_MORE_ENTRIES);
    for (i = 0; ZwEnumerateValueKey(key, i, KeyValueBasicInformation, buf, sizeof buf, &len) == STATUS_SUCCESS; i++)
        CHECK(vb->Type == REG_DWORD);
    CHECK(i == 2);
    st = ZwQueryKey(key, KeyFullInformation, buf, sizeof buf, &len);
    CHECK(st == STATUS_SUCCESS && kf->SubKeys == 2 && kf->Values == 2 && kf->MaxNameLen == 10);
    CHECK(kf->MaxValueNameLen == 20 && kf->MaxValueDataLen == 4);

    CHECK(ZwFlushKey(key) == STATUS_SUCCESS);
    {
        /* ZwSetInformationKey, looked up as drivers do (mingw-w64's ntoskrnl import library lacks it):
           KeyWriteTimeInformation (0) sets the LastWriteTime ZwQueryKey returns. */
        typedef NTSTATUS (NTAPI *PFN_SET_INFO_KEY)(HANDLE, ULONG, PVOID, ULONG);
        UNICODE_STRING r;
        PFN_SET_INFO_KEY setInfo;
        LARGE_INTEGER when;
        ULONG flags = 0;
        PKEY_BASIC_INFORMATION kbi = (PKEY_BASIC_INFORMATION)buf;
        RtlInitUnicodeString(&r, L"ZwSetInformationKey");
        setInfo = (PFN_SET_INFO_KEY)MmGetSystemRoutineAddress(&r);
        CHECK(setInfo != NULL); /* x64 and x86 kernels export it */
        if (setInfo) {
            when.QuadPart = 0x01D2345678ABCDEFLL;
            CHECK(setInfo(key, 0, &when, sizeof(when)) == STATUS_SUCCESS);
            CHECK(ZwQueryKey(key, KeyBasicInformation, buf, sizeof buf, &len) == STATUS_SUCCESS && kbi->LastWriteTime.QuadPart == when.QuadPart);
            CHECK(setInfo(key, 0, &when, 4) == STATUS_INFO_LENGTH_MISMATCH);
            CHECK(setInfo(key, 1, &flags, sizeof(flags)) == STATUS_SUCCESS);
            CHECK(setInfo(key, 1, &flags, 8) == STATUS_INFO_LENGTH_MISMATCH);
            CHECK(setInfo(key, 99, &flags, sizeof(flags)) == STATUS_INVALID_INFO_CLASS);
            CHECK(setInfo((HANDLE)(ULONG_PTR)0x7FF0, 0, &when, sizeof(when)) == STATUS_INVALID_HANDLE);
        }
    }
    {
        typedef NTSTATUS (NTAPI *PFN_OPEN_EX)(PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG);
        UNICODE_STRING n, r;
        OBJECT_ATTRIBUTES oa;
        HANDLE h;
        PFN_OPEN_EX openEx;
        RtlInitUnicodeString(&r, L"ZwOpenKeyEx");
        openEx = (PFN_OPEN_EX)MmGetSystemRoutineAddress(&r);
        CHECK(openEx != NULL);
        RtlInitUnicodeString(&n, L"BETA");
        InitializeObjectAttributes(&oa, &n, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, key, NULL);
        if (openEx) {
            CHECK(openEx(&h, KEY_READ, &oa, 0) == STATUS_SUCCESS);
            ZwClose(h);
        }
    }
    CHECK(ZwDeleteKey(a) == STATUS_SUCCESS && ZwDeleteKey(b) == STATUS_SUCCESS && ZwDeleteKey(key) == STATUS_SUCCESS);
    ZwClose(a);
    ZwClose(b);
    ZwClose(key);
    return failures;
}

/* The Level value a .reg file seeded, or -1. */
int NTAPI ReadSeededLevel(void)
{
    HANDLE key;
    ULONG buf[8], len;
    PKEY_VALUE_PARTIAL_INFORMATION info = (PKEY_VALUE_PARTIAL_INFORMATION)buf;
    int level = -1;
    if (!NT_SUCCESS(OpenKey(&key, PARAMS_KEY, NULL, FALSE, NULL)))
        return -1;
    if (NT_SUCCESS(QueryValue(key, L"Level", KeyValuePartialInformation, buf, sizeof buf, &len)) && info->Type == REG_DWORD)
        level = (int)*(PULONG)info->Data;
    ZwClose(key);
    return level;
}

/* A handle opened without OBJ_KERNEL_HANDLE (the emulator warns). */
int NTAPI OpenWithoutKernelHandle(void)
{
    HANDLE key;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    NTSTATUS st;
    RtlInitUnicodeString(&name, L"\\Registry\\Machine\\Software");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    st = ZwOpenKey(&key, KEY_READ, &oa);
    if (NT_SUCCESS(st)) ZwClose(key);
    return st;
}

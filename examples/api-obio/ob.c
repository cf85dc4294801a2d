/*
 * The object manager by name: ObOpenObjectByName, directory and symbolic link objects drivers
 * create (temporary and permanent names), ObCreateObject / ObInsertObject, ZwQueryObject, handle
 * flags, ObIsKernelHandle, NtClose, ObGetObjectSecurity.
 */
#include "apiobio.h"

#define WILD ((PVOID)(ULONG_PTR)0xFFFFA000DEAD0000ULL)

__declspec(dllimport) extern POBJECT_TYPE *IoDeviceObjectType;
__declspec(dllimport) extern POBJECT_TYPE *IoDriverObjectType;
__declspec(dllimport) extern POBJECT_TYPE *IoFileObjectType;
__declspec(dllimport) extern POBJECT_TYPE *ExEventObjectType;
__declspec(dllimport) extern POBJECT_TYPE *CmKeyObjectType;

static NTSTATUS OpenByName(PCWSTR Name, POBJECT_TYPE Type, PHANDLE Handle)
{
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&u, Name);
    INIT_OA(oa, &u, OBJ_CASE_INSENSITIVE);
    *Handle = NULL;
    return ObOpenObjectByName(&oa, Type, KernelMode, NULL, GENERIC_READ, NULL, Handle);
}

/* The object a handle refers to (referenced and dereferenced again), or NULL. */
static PVOID ObjectOf(HANDLE Handle, POBJECT_TYPE Type)
{
    PVOID obj = NULL;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, Type, KernelMode, &obj, NULL))) return NULL;
    ObDereferenceObject(obj);
    return obj;
}

ULONG NTAPI TestOpenByName(void)
{
    ULONG failures = 0;
    HANDLE h;
    UNICODE_STRING empty = { 0, 0, NULL };
    OBJECT_ATTRIBUTES oa;

    CHECK(OpenByName(L"\\Device\\ApiObIo", *IoDeviceObjectType, &h) == STATUS_SUCCESS);
    CHECK(ObjectOf(h, *IoDeviceObjectType) == g_Device);
    CHECK(ObIsKernelHandle(h));
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    /* A symbolic link is followed to the device; no type accepts any. */
    CHECK(OpenByName(L"\\??\\ApiObIo", NULL, &h) == STATUS_SUCCESS);
    CHECK(ObjectOf(h, *IoDeviceObjectType) == g_Device);
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    CHECK(OpenByName(L"\\??\\ApiObIo", *IoFileObjectType, &h) == STATUS_OBJECT_TYPE_MISMATCH);
    CHECK(OpenByName(L"\\Device\\NoSuchDevice", NULL, &h) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(OpenByName(L"\\NoSuchDirectory\\Thing", NULL, &h) == STATUS_OBJECT_PATH_NOT_FOUND);
    CHECK(OpenByName(L"Relative", NULL, &h) == STATUS_OBJECT_PATH_SYNTAX_BAD);
    INIT_OA(oa, &empty, 0);
    CHECK(ObOpenObjectByName(&oa, NULL, KernelMode, NULL, 0, NULL, &h) == STATUS_OBJECT_NAME_INVALID);
    /* Driver objects and registry keys are in the namespace too. */
    CHECK(OpenByName(L"\\Driver\\Kbdclass", *IoDriverObjectType, &h) == STATUS_SUCCESS);
    CHECK(ObjectOf(h, *IoDriverObjectType) != NULL);
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    CHECK(OpenByName(L"\\Driver\\nsiproxy", *IoDriverObjectType, &h) == STATUS_SUCCESS);
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    CHECK(OpenByName(L"\\Registry\\Machine\\System", *CmKeyObjectType, &h) == STATUS_SUCCESS);
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    CHECK(!ObIsKernelHandle(NtCurrentProcess()));
    CHECK(!ObIsKernelHandle((HANDLE)(ULONG_PTR)4));
    return failures;
}

static NTSTATUS CreateLink(PCWSTR Name, PCWSTR Target, ULONG Attributes, PHANDLE Handle)
{
    UNICODE_STRING n, t;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&n, Name);
    RtlInitUnicodeString(&t, Target);
    INIT_OA(oa, &n, OBJ_CASE_INSENSITIVE | Attributes);
    return ZwCreateSymbolicLinkObject(Handle, SYMBOLIC_LINK_ALL_ACCESS, &oa, &t);
}

static NTSTATUS OpenLink(PCWSTR Name, PHANDLE Handle)
{
    UNICODE_STRING n;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&n, Name);
    INIT_OA(oa, &n, OBJ_CASE_INSENSITIVE);
    return ZwOpenSymbolicLinkObject(Handle, SYMBOLIC_LINK_QUERY, &oa);
}

static NTSTATUS Directory(PCWSTR Name, BOOLEAN Create, PHANDLE Handle)
{
    UNICODE_STRING n;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&n, Name);
    INIT_OA(oa, &n, OBJ_CASE_INSENSITIVE);
    return Create ? ZwCreateDirectoryObject(Handle, DIRECTORY_ALL_ACCESS, &oa) : ZwOpenDirectoryObject(Handle, DIRECTORY_QUERY, &oa);
}

typedef struct _DIR_INFO {
    UNICODE_STRING Name;
    UNICODE_STRING TypeName;
} DIR_INFO;

ULONG NTAPI TestCreateObjects(void)
{
    ULONG failures = 0;
    HANDLE dir, dir2, link, link2, h, h2;
    WCHAR targetChars[64];
    UNICODE_STRING target = { 0, sizeof(targetChars), targetChars }, want, name;
    UCHAR buffer[512];
    ULONG context = 0, length = 0;
    PVOID obj = NULL, ref = NULL, evt = NULL;
    OBJECT_ATTRIBUTES oa;
    DIR_INFO *info = (DIR_INFO *)buffer;

    /* A directory, a link in it, the device through the link. */
    CHECK(Directory(L"\\BaseNamedObjects\\ApiObIoDir", TRUE, &dir) == STATUS_SUCCESS);
    CHECK(Directory(L"\\BaseNamedObjects\\ApiObIoDir", TRUE, &dir2) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(Directory(L"\\NoSuchDirectory\\Dir", TRUE, &dir2) == STATUS_OBJECT_PATH_NOT_FOUND);
    CHECK(CreateLink(L"\\BaseNamedObjects\\ApiObIoDir\\Dev", L"\\Device\\ApiObIo", 0, &link) == STATUS_SUCCESS);
    CHECK(CreateLink(L"\\BaseNamedObjects\\ApiObIoDir\\Dev", L"\\Device\\ApiObIo", 0, &link2) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(OpenByName(L"\\BaseNamedObjects\\ApiObIoDir\\Dev", *IoDeviceObjectType, &h) == STATUS_SUCCESS);
    CHECK(ObjectOf(h, *IoDeviceObjectType) == g_Device);
    ZwClose(h);
    CHECK(OpenLink(L"\\BaseNamedObjects\\ApiObIoDir\\Dev", &link2) == STATUS_SUCCESS);
    CHECK(ZwQuerySymbolicLinkObject(link2, &target, NULL) == STATUS_SUCCESS);
    RtlInitUnicodeString(&want, L"\\Device\\ApiObIo");
    CHECK(RtlEqualUnicodeString(&target, &want, FALSE));
    /* The directory lists the link. */
    CHECK(Directory(L"\\BaseNamedObjects\\ApiObIoDir", FALSE, &dir2) == STATUS_SUCCESS);
    CHECK(ZwQueryDirectoryObject(dir2, buffer, sizeof(buffer), TRUE, TRUE, &context, &length) == STATUS_SUCCESS);
    RtlInitUnicodeString(&want, L"Dev");
    CHECK(RtlEqualUnicodeString(&info->Name, &want, TRUE));
    RtlInitUnicodeString(&want, L"SymbolicLink");
    CHECK(RtlEqualUnicodeString(&info->TypeName, &want, FALSE));
    /* A temporary link goes with its last handle. */
    CHECK(ZwClose(link) == STATUS_SUCCESS);
    CHECK(OpenByName(L"\\BaseNamedObjects\\ApiObIoDir\\Dev", NULL, &h) == STATUS_SUCCESS);
    ZwClose(h);
    CHECK(ZwClose(link2) == STATUS_SUCCESS);
    CHECK(OpenByName(L"\\BaseNamedObjects\\ApiObIoDir\\Dev", NULL, &h) == STATUS_OBJECT_NAME_NOT_FOUND);
    /* A permanent one stays until it is made temporary and closed (how IoDeleteSymbolicLink works). */
    CHECK(CreateLink(L"\\BaseNamedObjects\\ApiObIoDir\\Perm", L"\\Device\\ApiObIo", OBJ_PERMANENT, &link) == STATUS_SUCCESS);
    CHECK(ZwClose(link) == STATUS_SUCCESS);
    CHECK(OpenLink(L"\\BaseNamedObjects\\ApiObIoDir\\Perm", &link) == STATUS_SUCCESS);
    CHECK(ZwMakeTemporaryObject(link) == STATUS_SUCCESS);
    CHECK(ZwClose(link) == STATUS_SUCCESS);
    CHECK(OpenLink(L"\\BaseNamedObjects\\ApiObIoDir\\Perm", &link) == STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK(ZwMakeTemporaryObject((HANDLE)(ULONG_PTR)0x7ff0) == STATUS_INVALID_HANDLE);
    /* The directory too. */
    CHECK(ZwClose(dir2) == STATUS_SUCCESS);
    CHECK(ZwClose(dir) == STATUS_SUCCESS);
    CHECK(Directory(L"\\BaseNamedObjects\\ApiObIoDir", FALSE, &dir) == STATUS_OBJECT_NAME_NOT_FOUND);

    /* An object the driver creates: unnamed, inserted in the handle table. */
    INIT_OA(oa, NULL, 0);
    CHECK(ObCreateObject(KernelMode, *IoFileObjectType, &oa, KernelMode, NULL, sizeof(FILE_OBJECT), 0, 0, &obj) == STATUS_SUCCESS);
    CHECK(obj != NULL && ((PFILE_OBJECT)obj)->Size == 0 && ((PFILE_OBJECT)obj)->DeviceObject == NULL);
    CHECK(ObInsertObject(obj, NULL, FILE_ALL_ACCESS, 0, &ref, &h) == STATUS_SUCCESS);
    CHECK(ref == obj);
    CHECK(ObjectOf(h, *IoFileObjectType) == obj);
    CHECK(ObjectOf(h, *IoDeviceObjectType) == NULL);
    ObDereferenceObject(ref);
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    /* A named one: found by name while a handle is open; a second one with its name collides. */
    RtlInitUnicodeString(&name, L"\\BaseNamedObjects\\ApiObIoEvent");
    INIT_OA(oa, &name, 0);
    CHECK(ObCreateObject(KernelMode, *ExEventObjectType, &oa, KernelMode, NULL, sizeof(KEVENT), 0, 0, &evt) == STATUS_SUCCESS);
    CHECK(ObInsertObject(evt, NULL, EVENT_ALL_ACCESS, 0, NULL, &h) == STATUS_SUCCESS);
    CHECK(OpenByName(L"\\BaseNamedObjects\\ApiObIoEvent", *ExEventObjectType, &h2) == STATUS_SUCCESS);
    CHECK(ObjectOf(h2, *ExEventObjectType) == evt);
    ZwClose(h2);
    CHECK(ObCreateObject(KernelMode, *ExEventObjectType, &oa, KernelMode, NULL, sizeof(KEVENT), 0, 0, &obj) == STATUS_SUCCESS);
    CHECK(ObInsertObject(obj, NULL, EVENT_ALL_ACCESS, 0, NULL, &h2) == STATUS_OBJECT_NAME_COLLISION);
    CHECK(ZwClose(h) == STATUS_SUCCESS);
    CHECK(OpenByName(L"\\BaseNamedObjects\\ApiObIoEvent", NULL, &h) == STATUS_OBJECT_NAME_NOT_FOUND);
    return failures;
}

typedef struct _BASIC_INFO {
    ULONG Attributes, GrantedAccess, HandleCount, PointerCount, Reserved[10];
} BASIC_INFO;

ULONG NTAPI TestHandleInfo(void)
{
    ULONG failures = 0, ret = 0;
    HANDLE h;
    UCHAR buffer[256];
    BASIC_INFO basic;
    OBJECT_HANDLE_FLAG_INFORMATION flags;
    PUNICODE_STRING s = (PUNICODE_STRING)buffer;
    UNICODE_STRING want;
    PSECURITY_DESCRIPTOR sd = NULL;
    BOOLEAN allocated = FALSE, defaulted = FALSE;
    PSID owner = NULL;

    CHECK(OpenByName(L"\\Device\\ApiObIo", NULL, &h) == STATUS_SUCCESS);
    CHECK(ZwQueryObject(h, ObjectBasicInformation, &basic, sizeof(basic), &ret) == STATUS_SUCCESS);
    CHECK(ret == sizeof(basic) && basic.GrantedAccess == GENERIC_READ && basic.HandleCount == 1 && basic.PointerCount >= 1);
    CHECK(ZwQueryObject(h, ObjectTypeInformation, buffer, sizeof(buffer), &ret) == STATUS_SUCCESS);
    RtlInitUnicodeString(&want, L"Device");
    CHECK(RtlEqualUnicodeString(s, &want, FALSE));
    CHECK(ZwQueryObject(h, ObjectNameInformation, buffer, sizeof(buffer), &ret) == STATUS_SUCCESS);
    RtlInitUnicodeString(&want, L"\\Device\\ApiObIo");
    CHECK(RtlEqualUnicodeString(s, &want, FALSE));
    CHECK(ret == sizeof(UNICODE_STRING) + want.Length + sizeof(WCHAR));
    CHECK(ZwQueryObject(h, ObjectNameInformation, buffer, 20, &ret) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ret == sizeof(UNICODE_STRING) + want.Length + sizeof(WCHAR));
    CHECK(ZwQueryObject(h, (OBJECT_INFORMATION_CLASS)77, buffer, sizeof(buffer), &ret) == STATUS_INVALID_INFO_CLASS);
    CHECK(ZwQueryObject((HANDLE)(ULONG_PTR)0x7ff0, ObjectBasicInformation, &basic, sizeof(basic), &ret) == STATUS_INVALID_HANDLE);
    CHECK(ZwQueryObject(NtCurrentProcess(), ObjectTypeInformation, buffer, sizeof(buffer), &ret) == STATUS_SUCCESS);
    RtlInitUnicodeString(&want, L"Process");
    CHECK(RtlEqualUnicodeString(s, &want, FALSE));

    /* A handle protected from close stays open until the flag is cleared. */
    flags.Inherit = FALSE;
    flags.ProtectFromClose = TRUE;
    CHECK(ZwSetInformationObject(h, ObjectHandleFlagInformation, &flags, sizeof(flags)) == STATUS_SUCCESS);
    CHECK(ZwClose(h) == STATUS_HANDLE_NOT_CLOSABLE);
    RtlZeroMemory(&flags, sizeof(flags));
    CHECK(ZwQueryObject(h, ObjectHandleFlagInformation, &flags, sizeof(flags), &ret) == STATUS_SUCCESS);
    CHECK(flags.ProtectFromClose && !flags.Inherit);
    CHECK(ZwSetInformationObject(h, ObjectBasicInformation, &flags, sizeof(flags)) == STATUS_INVALID_INFO_CLASS);
    CHECK(ZwSetInformationObject(h, ObjectHandleFlagInformation, &flags, 1) == STATUS_INFO_LENGTH_MISMATCH);
    flags.ProtectFromClose = FALSE;
    CHECK(ObSetHandleAttributes(h, &flags, KernelMode) == STATUS_SUCCESS);
    CHECK(NtClose(h) == STATUS_SUCCESS);
    CHECK(NtClose(h) == STATUS_INVALID_HANDLE);

    /* Object security: a self-relative descriptor owned by the Administrators. */
    CHECK(ObGetObjectSecurity(g_Device, &sd, &allocated) == STATUS_SUCCESS);
    CHECK(sd != NULL && allocated);
    CHECK(RtlValidSecurityDescriptor(sd));
    CHECK(RtlGetOwnerSecurityDescriptor(sd, &owner, &defaulted) == STATUS_SUCCESS);
    CHECK(owner != NULL && RtlEqualSid(owner, SeExports->SeAliasAdminsSid));
    ObReleaseObjectSecurity(sd, allocated);
    return failures;
}

/* Wild pointers end in clean fault reports. */
ULONG NTAPI WildOpenByName(void)
{
    HANDLE h;
    return (ULONG)ObOpenObjectByName((POBJECT_ATTRIBUTES)WILD, NULL, KernelMode, NULL, 0, NULL, &h);
}

ULONG NTAPI WildQueryObject(void)
{
    HANDLE h;
    ULONG ret;
    NTSTATUS st = OpenByName(L"\\Device\\ApiObIo", NULL, &h);
    if (!NT_SUCCESS(st)) return st;
    return (ULONG)ZwQueryObject(h, ObjectNameInformation, WILD, 256, &ret);
}

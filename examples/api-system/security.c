/*
 * The device-DACL pattern of vendor utility drivers: a security descriptor whose DACL grants
 * SYSTEM and Administrators full access (SIDs from SeExports), made self-relative, captured,
 * and applied to an object through ObOpenObjectByPointer + ZwSetSecurityObject.
 */
#include "apisys.h"

int TestSecurity(void)
{
    int failures = 0;
    SECURITY_DESCRIPTOR sd;
    PACL dacl;
    ULONG daclLength, relLength = 0;
    PSECURITY_DESCRIPTOR rel = NULL, captured = NULL;
    BOOLEAN present = FALSE, defaulted = TRUE;
    PACL got = NULL;
    PACCESS_ALLOWED_ACE ace = NULL;
    HANDLE h = NULL;
    UCHAR query[256];
    ULONG need = 0;
    PSID owner = NULL;

    CHECK(SeExports != NULL);
    if (!SeExports) return failures;
    CHECK(RtlValidSid(SeExports->SeLocalSystemSid));
    CHECK(RtlLengthSid(SeExports->SeLocalSystemSid) == 12);  /* S-1-5-18 */
    CHECK(RtlLengthSid(SeExports->SeAliasAdminsSid) == 16);  /* S-1-5-32-544 */
    CHECK(*RtlSubAuthoritySid(SeExports->SeAliasAdminsSid, 1) == 544);
    CHECK(*RtlSubAuthorityCountSid(SeExports->SeAliasAdminsSid) == 2);
    CHECK(RtlEqualSid(SeExports->SeLocalSystemSid, SeExports->SeLocalSystemSid));
    CHECK(!RtlEqualSid(SeExports->SeLocalSystemSid, SeExports->SeWorldSid));

    CHECK(RtlCreateSecurityDescriptor(&sd, 2) == STATUS_UNKNOWN_REVISION);
    CHECK(RtlCreateSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION) == STATUS_SUCCESS);
    daclLength = sizeof(ACL) + 2 * sizeof(ACCESS_ALLOWED_ACE) - 2 * sizeof(ULONG) + RtlLengthSid(SeExports->SeLocalSystemSid) + RtlLengthSid(SeExports->SeAliasAdminsSid);
    dacl = (PACL)ExAllocatePoolWithTag(PagedPool, daclLength, SYS_TAG);
    if (!dacl) return failures + 1;
    CHECK(RtlCreateAcl(dacl, daclLength, ACL_REVISION) == STATUS_SUCCESS);
    CHECK(RtlAddAccessAllowedAce(dacl, ACL_REVISION, FILE_ALL_ACCESS, SeExports->SeLocalSystemSid) == STATUS_SUCCESS);
    CHECK(RtlAddAccessAllowedAce(dacl, ACL_REVISION, FILE_ALL_ACCESS, SeExports->SeAliasAdminsSid) == STATUS_SUCCESS);
    /* The ACL is full now. */
    CHECK(RtlAddAccessAllowedAce(dacl, ACL_REVISION, GENERIC_READ, SeExports->SeWorldSid) == STATUS_ALLOTTED_SPACE_EXCEEDED);
    CHECK(RtlAddAccessAllowedAceEx(dacl, ACL_REVISION, CONTAINER_INHERIT_ACE, GENERIC_READ, SeExports->SeWorldSid) == STATUS_ALLOTTED_SPACE_EXCEEDED);
    CHECK(dacl->AceCount == 2 && RtlValidAcl(dacl));
    CHECK(RtlGetAce(dacl, 1, (PVOID *)&ace) == STATUS_SUCCESS && ace->Mask == FILE_ALL_ACCESS && RtlEqualSid((PSID)&ace->SidStart, SeExports->SeAliasAdminsSid));
    CHECK(RtlSetDaclSecurityDescriptor(&sd, TRUE, dacl, FALSE) == STATUS_SUCCESS);
    CHECK(RtlSetOwnerSecurityDescriptor(&sd, SeExports->SeAliasAdminsSid, FALSE) == STATUS_SUCCESS);
    CHECK(RtlValidSecurityDescriptor(&sd));
    CHECK(RtlGetDaclSecurityDescriptor(&sd, &present, &got, &defaulted) == STATUS_SUCCESS && present && got == dacl && !defaulted);
    CHECK(RtlGetOwnerSecurityDescriptor(&sd, &owner, &defaulted) == STATUS_SUCCESS && owner == SeExports->SeAliasAdminsSid);
    CHECK(RtlSetGroupSecurityDescriptor(&sd, SeExports->SeLocalSystemSid, TRUE) == STATUS_SUCCESS);
    CHECK(RtlGetGroupSecurityDescriptor(&sd, &owner, &defaulted) == STATUS_SUCCESS && owner == SeExports->SeLocalSystemSid && defaulted);
    CHECK(RtlSetGroupSecurityDescriptor(&sd, NULL, FALSE) == STATUS_SUCCESS);
    CHECK(RtlSetSaclSecurityDescriptor(&sd, FALSE, NULL, FALSE) == STATUS_SUCCESS);
    present = TRUE;
    CHECK(RtlGetSaclSecurityDescriptor(&sd, &present, &got, &defaulted) == STATUS_SUCCESS && !present);
    {
        /* Build S-1-5-32-544 by hand and compare it with SeExports'. */
        SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
        UCHAR buffer[68];
        UCHAR copy[16];
        PSID sid = (PSID)buffer;
        CHECK(RtlLengthRequiredSid(2) == 16);
        CHECK(RtlInitializeSid(sid, &nt, 2) == STATUS_SUCCESS);
        *RtlSubAuthoritySid(sid, 0) = SECURITY_BUILTIN_DOMAIN_RID;
        *RtlSubAuthoritySid(sid, 1) = DOMAIN_ALIAS_RID_ADMINS;
        CHECK(RtlEqualSid(sid, SeExports->SeAliasAdminsSid));
        CHECK(RtlCopySid(8, (PSID)copy, sid) == STATUS_BUFFER_TOO_SMALL);
        CHECK(RtlCopySid(sizeof(copy), (PSID)copy, sid) == STATUS_SUCCESS && RtlEqualSid((PSID)copy, sid));
    }

    /* Self-relative: ask for the size first. */
    CHECK(RtlAbsoluteToSelfRelativeSD(&sd, NULL, &relLength) == STATUS_BUFFER_TOO_SMALL);
    CHECK(relLength == 20 + daclLength + 16);
    rel = ExAllocatePoolWithTag(PagedPool, relLength, SYS_TAG);
    if (rel) {
        CHECK(RtlAbsoluteToSelfRelativeSD(&sd, rel, &relLength) == STATUS_SUCCESS);
        CHECK(RtlLengthSecurityDescriptor(rel) == relLength);
        CHECK(RtlValidSecurityDescriptor(rel));
        present = FALSE;
        got = NULL;
        CHECK(RtlGetDaclSecurityDescriptor(rel, &present, &got, &defaulted) == STATUS_SUCCESS && present && got != NULL && got->AceCount == 2);
        CHECK(RtlSetDaclSecurityDescriptor(rel, TRUE, dacl, FALSE) == STATUS_INVALID_SECURITY_DESCR);
        CHECK(RtlAbsoluteToSelfRelativeSD(rel, rel, &relLength) == STATUS_BAD_DESCRIPTOR_FORMAT);
    }
    CHECK(SeCaptureSecurityDescriptor(&sd, KernelMode, PagedPool, TRUE, &captured) == STATUS_SUCCESS && captured != NULL);
    if (captured) SeReleaseSecurityDescriptor(captured, KernelMode, TRUE);

    /* Apply it to an object, then read it back. */
    CHECK(ObOpenObjectByPointer(PsGetCurrentProcess(), OBJ_KERNEL_HANDLE, NULL, WRITE_DAC, NULL, KernelMode, &h) == STATUS_SUCCESS);
    CHECK(ZwSetSecurityObject(h, DACL_SECURITY_INFORMATION, &sd) == STATUS_SUCCESS);
    CHECK(ZwQuerySecurityObject(h, DACL_SECURITY_INFORMATION, query, 4, &need) == STATUS_BUFFER_TOO_SMALL && need == relLength);
    CHECK(ZwQuerySecurityObject(h, DACL_SECURITY_INFORMATION, query, sizeof(query), &need) == STATUS_SUCCESS);
    if (rel) CHECK(RtlCompareMemory(query, rel, relLength) == relLength);
    ZwClose(h);
    CHECK(ZwSetSecurityObject((HANDLE)(ULONG_PTR)0x5555, DACL_SECURITY_INFORMATION, &sd) == STATUS_INVALID_HANDLE);
    if (rel) ExFreePoolWithTag(rel, SYS_TAG);
    ExFreePoolWithTag(dacl, SYS_TAG);
    return failures;
}

/* A wild SID pointer: a clean invalid-read fault. */
int WildSid(void)
{
    return (int)RtlLengthSid((PSID)(ULONG_PTR)0xFFFFA000DEAD0000ULL);
}

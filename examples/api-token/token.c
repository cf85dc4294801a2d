/*
 * Access tokens: the System process's token and a logged-on user's (explorer.exe, a UAC-filtered
 * administrator), read through handles and through token pointers; impersonation; privilege and
 * access checks; SID strings.
 */
#include "apitok.h"

/* Query one token information class into a pool buffer (freed by the caller). */
static PVOID Query(HANDLE token, TOKEN_INFORMATION_CLASS cls, PULONG outLen)
{
    ULONG len = 0;
    PVOID buf;
    if (ZwQueryInformationToken(token, cls, NULL, 0, &len) != STATUS_BUFFER_TOO_SMALL || len == 0) return NULL;
    buf = ExAllocatePoolWithTag(NonPagedPool, len, TOK_TAG);
    if (!buf) return NULL;
    if (!NT_SUCCESS(ZwQueryInformationToken(token, cls, buf, len, &len))) {
        ExFreePoolWithTag(buf, TOK_TAG);
        return NULL;
    }
    if (outLen) *outLen = len;
    return buf;
}

static ULONG QueryUlong(HANDLE token, TOKEN_INFORMATION_CLASS cls)
{
    ULONG v = 0xFFFFFFFF, len = 0;
    if (!NT_SUCCESS(ZwQueryInformationToken(token, cls, &v, sizeof(v), &len)) || len != sizeof(v)) return 0xFFFFFFFF;
    return v;
}

/* SID string of a token's user, into `out` (caller frees with RtlFreeUnicodeString). */
static NTSTATUS UserSidString(HANDLE token, PUNICODE_STRING out)
{
    NTSTATUS s = STATUS_UNSUCCESSFUL;
    PTOKEN_USER user = (PTOKEN_USER)Query(token, TokenUser, NULL);
    if (user) {
        s = RtlConvertSidToUnicodeString(out, user->User.Sid, TRUE);
        ExFreePoolWithTag(user, TOK_TAG);
    }
    return s;
}

static HANDLE OpenToken(HANDLE process)
{
    HANDLE t = NULL;
    if (!NT_SUCCESS(ZwOpenProcessTokenEx(process, TOKEN_ALL_ACCESS, OBJ_KERNEL_HANDLE, &t))) return NULL;
    return t;
}

static BOOLEAN HasGroup(PTOKEN_GROUPS g, PSID sid, ULONG *attrs)
{
    ULONG i;
    for (i = 0; i < g->GroupCount; i++)
        if (RtlEqualSid(g->Groups[i].Sid, sid)) {
            *attrs = g->Groups[i].Attributes;
            return TRUE;
        }
    return FALSE;
}

int TestTokens(void)
{
    int failures = 0;
    HANDLE h = NULL, ph = NULL;
    ULONG len = 0, attrs = 0, i, groupCount = 0;
    UCHAR small[8];
    PTOKEN_USER user;
    PTOKEN_GROUPS groups;
    PTOKEN_PRIVILEGES privs;
    PTOKEN_MANDATORY_LABEL label;
    TOKEN_STATISTICS stats;
    UNICODE_STRING s;
    PACCESS_TOKEN token;
    PVOID object = NULL, info = NULL;
    LUID luid;
    BOOLEAN debug = FALSE, backup = FALSE;

    CHECK(ZwOpenProcessTokenEx(NtCurrentProcess(), TOKEN_QUERY, OBJ_KERNEL_HANDLE, &h) == STATUS_SUCCESS);
    /* A short buffer gets the size needed: TOKEN_USER and the 12-byte S-1-5-18. */
    CHECK(ZwQueryInformationToken(h, TokenUser, small, sizeof(small), &len) == STATUS_BUFFER_TOO_SMALL);
    CHECK(len == sizeof(TOKEN_USER) + 12);
    user = (PTOKEN_USER)Query(h, TokenUser, NULL);
    CHECK(user != NULL);
    if (user) {
        CHECK(RtlValidSid(user->User.Sid) && RtlEqualSid(user->User.Sid, SeExports->SeLocalSystemSid));
        CHECK((PUCHAR)user->User.Sid == (PUCHAR)user + sizeof(TOKEN_USER));
        CHECK(RtlConvertSidToUnicodeString(&s, user->User.Sid, TRUE) == STATUS_SUCCESS);
        CHECK(UsEquals(&s, L"S-1-5-18") && s.MaximumLength == s.Length + sizeof(WCHAR));
        RtlFreeUnicodeString(&s);
        ExFreePoolWithTag(user, TOK_TAG);
    }
    /* Administrators, enabled and the owner; the System integrity label. */
    groups = (PTOKEN_GROUPS)Query(h, TokenGroups, NULL);
    CHECK(groups != NULL);
    if (groups) {
        CHECK(HasGroup(groups, SeExports->SeAliasAdminsSid, &attrs) && (attrs & SE_GROUP_ENABLED) && (attrs & SE_GROUP_OWNER));
        CHECK(HasGroup(groups, SeExports->SeWorldSid, &attrs) && (attrs & SE_GROUP_ENABLED));
        CHECK(!HasGroup(groups, SeExports->SeAliasUsersSid, &attrs));
        groupCount = groups->GroupCount;
        ExFreePoolWithTag(groups, TOK_TAG);
    }
    label = (PTOKEN_MANDATORY_LABEL)Query(h, TokenIntegrityLevel, NULL);
    CHECK(label && *RtlSubAuthoritySid(label->Label.Sid, 0) == SECURITY_MANDATORY_SYSTEM_RID && (label->Label.Attributes & SE_GROUP_INTEGRITY));
    if (label) ExFreePoolWithTag(label, TOK_TAG);
    privs = (PTOKEN_PRIVILEGES)Query(h, TokenPrivileges, NULL);
    CHECK(privs != NULL);
    if (privs) {
        for (i = 0; i < privs->PrivilegeCount; i++) {
            if (RtlEqualLuid(&privs->Privileges[i].Luid, &SeExports->SeDebugPrivilege)) debug = (privs->Privileges[i].Attributes & SE_PRIVILEGE_ENABLED) != 0;
            if (RtlEqualLuid(&privs->Privileges[i].Luid, &SeExports->SeBackupPrivilege)) backup = TRUE;
        }
        CHECK(debug && backup);
    }
    CHECK(QueryUlong(h, TokenType) == TokenPrimary);
    CHECK(QueryUlong(h, TokenSessionId) == 0);
    CHECK(QueryUlong(h, TokenElevation) == 1);
    CHECK(QueryUlong(h, TokenElevationType) == TOKEN_ELEVATION_TYPE_DEFAULT);
    CHECK(ZwQueryInformationToken(h, TokenImpersonationLevel, &attrs, sizeof(attrs), &len) == STATUS_INVALID_INFO_CLASS);
    CHECK(ZwQueryInformationToken(h, TokenStatistics, &stats, sizeof(stats), &len) == STATUS_SUCCESS && len == sizeof(stats));
    CHECK(stats.AuthenticationId.LowPart == 0x3e7 && stats.AuthenticationId.HighPart == 0 && stats.TokenType == TokenPrimary);
    CHECK(privs && stats.PrivilegeCount == privs->PrivilegeCount);
    if (privs) ExFreePoolWithTag(privs, TOK_TAG);

    /* Bad handles. */
    CHECK(ZwQueryInformationToken((HANDLE)(ULONG_PTR)0x7770, TokenType, &attrs, sizeof(attrs), &len) == STATUS_INVALID_HANDLE);
    ph = OpenProcessHandle((HANDLE)4);
    CHECK(ph && ZwQueryInformationToken(ph, TokenType, &attrs, sizeof(attrs), &len) == STATUS_OBJECT_TYPE_MISMATCH);
    CHECK(ZwOpenProcessTokenEx((HANDLE)(ULONG_PTR)0x7770, TOKEN_QUERY, OBJ_KERNEL_HANDLE, &object) == STATUS_INVALID_HANDLE);

    /* The same token through its pointer. */
    token = PsReferencePrimaryToken(PsGetCurrentProcess());
    CHECK(token != NULL);
    CHECK(ObReferenceObjectByHandle(h, TOKEN_QUERY, *SeTokenObjectType, KernelMode, &object, NULL) == STATUS_SUCCESS && object == token);
    if (object) ObDereferenceObject(object);
    CHECK(ObReferenceObjectByHandle(ph, 0, *SeTokenObjectType, KernelMode, &object, NULL) == STATUS_OBJECT_TYPE_MISMATCH);
    CHECK(SeTokenIsAdmin(token) == TRUE);
    CHECK(SeTokenType(token) == TokenPrimary);
    CHECK(SeQueryAuthenticationIdToken(token, &luid) == STATUS_SUCCESS && luid.LowPart == 0x3e7 && luid.HighPart == 0);
    CHECK(SeQueryInformationToken(token, TokenUser, &info) == STATUS_SUCCESS && info && RtlEqualSid(((PTOKEN_USER)info)->User.Sid, SeExports->SeLocalSystemSid));
    if (info) ExFreePool(info);
    info = NULL;
    CHECK(SeQueryInformationToken(token, TokenGroups, &info) == STATUS_SUCCESS && info && ((PTOKEN_GROUPS)info)->GroupCount == groupCount && groupCount == stats.GroupCount);
    if (info) ExFreePool(info);
    CHECK(SeQueryInformationToken(token, TokenElevation, &info) == STATUS_INVALID_INFO_CLASS);
    PsDereferencePrimaryToken(token);

    CHECK(RtlFormatCurrentUserKeyPath(&s) == STATUS_SUCCESS);
    CHECK(UsEquals(&s, L"\\REGISTRY\\USER\\S-1-5-18"));
    RtlFreeUnicodeString(&s);
    /* A caller's buffer too small for the text. */
    {
        WCHAR b[4];
        UNICODE_STRING t;
        RtlInitEmptyUnicodeString(&t, b, sizeof(b));
        CHECK(RtlConvertSidToUnicodeString(&t, SeExports->SeAliasAdminsSid, FALSE) == STATUS_BUFFER_OVERFLOW);
    }
    if (ph) ZwClose(ph);
    if (h) ZwClose(h);
    return failures;
}

int TestUserToken(void)
{
    int failures = 0;
    HANDLE pid = FindProcess(L"explorer.exe"), ph, h = NULL;
    PEPROCESS process = NULL;
    PACCESS_TOKEN token = NULL;
    PTOKEN_GROUPS groups;
    PTOKEN_PRIVILEGES privs;
    PTOKEN_MANDATORY_LABEL label;
    UNICODE_STRING s;
    ULONG attrs = 0, i;
    KAPC_STATE apc;
    SECURITY_SUBJECT_CONTEXT subject;
    TOKEN_PRIVILEGES enable, previous;
    ULONG len = 0;

    CHECK(pid != NULL);
    ph = OpenProcessHandle(pid);
    CHECK(ph != NULL);
    CHECK(ZwOpenProcessToken(ph, TOKEN_QUERY, &h) == STATUS_SUCCESS);
    CHECK(UserSidString(h, &s) == STATUS_SUCCESS);
    CHECK(UsStartsWith(&s, L"S-1-5-21-") && s.Length > 20 * sizeof(WCHAR));
    RtlFreeUnicodeString(&s);
    /* A UAC-filtered administrator: Administrators for deny only, Users, Medium integrity, not elevated. */
    groups = (PTOKEN_GROUPS)Query(h, TokenGroups, NULL);
    CHECK(groups && HasGroup(groups, SeExports->SeAliasAdminsSid, &attrs) && (attrs & GROUP_USE_FOR_DENY_ONLY) && !(attrs & SE_GROUP_ENABLED));
    CHECK(groups && HasGroup(groups, SeExports->SeAliasUsersSid, &attrs) && (attrs & SE_GROUP_ENABLED));
    CHECK(groups && HasGroup(groups, SeExports->SeInteractiveSid, &attrs));
    if (groups) ExFreePoolWithTag(groups, TOK_TAG);
    label = (PTOKEN_MANDATORY_LABEL)Query(h, TokenIntegrityLevel, NULL);
    CHECK(label && *RtlSubAuthoritySid(label->Label.Sid, 0) == SECURITY_MANDATORY_MEDIUM_RID);
    if (label) ExFreePoolWithTag(label, TOK_TAG);
    CHECK(QueryUlong(h, TokenElevationType) == TOKEN_ELEVATION_TYPE_LIMITED);
    CHECK(QueryUlong(h, TokenElevation) == 0);
    CHECK(QueryUlong(h, TokenSessionId) == 1);
    privs = (PTOKEN_PRIVILEGES)Query(h, TokenPrivileges, NULL);
    CHECK(privs && privs->PrivilegeCount == 5);
    if (privs) {
        for (i = 0; i < privs->PrivilegeCount; i++) CHECK(!RtlEqualLuid(&privs->Privileges[i].Luid, &SeExports->SeDebugPrivilege));
        ExFreePoolWithTag(privs, TOK_TAG);
    }
    /* It does not hold SeDebugPrivilege: enabling it is STATUS_NOT_ALL_ASSIGNED. */
    enable.PrivilegeCount = 1;
    enable.Privileges[0].Luid = SeExports->SeDebugPrivilege;
    enable.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    CHECK(ZwAdjustPrivilegesToken(h, FALSE, &enable, 0, NULL, NULL) == STATUS_NOT_ALL_ASSIGNED_);
    /* It holds SeShutdownPrivilege, disabled: enabling reports the previous state. */
    enable.Privileges[0].Luid = SeExports->SeShutdownPrivilege;
    CHECK(ZwAdjustPrivilegesToken(h, FALSE, &enable, sizeof(previous), &previous, &len) == STATUS_SUCCESS);
    CHECK(previous.PrivilegeCount == 1 && RtlEqualLuid(&previous.Privileges[0].Luid, &SeExports->SeShutdownPrivilege) && !(previous.Privileges[0].Attributes & SE_PRIVILEGE_ENABLED));

    CHECK(PsLookupProcessByProcessId(pid, &process) == STATUS_SUCCESS);
    if (process) {
        token = PsReferencePrimaryToken(process);
        CHECK(token && SeTokenIsAdmin(token) == FALSE);
        /* Attached to explorer.exe, the current process's token is explorer's. */
        CHECK(KeIsAttachedProcess() == FALSE);
        KeStackAttachProcess((PKPROCESS)process, &apc);
        CHECK(KeIsAttachedProcess() == TRUE);
        CHECK(SeSinglePrivilegeCheck(SeExports->SeDebugPrivilege, UserMode) == FALSE);
        CHECK(SeSinglePrivilegeCheck(SeExports->SeDebugPrivilege, KernelMode) == TRUE);
        CHECK(SeSinglePrivilegeCheck(SeExports->SeShutdownPrivilege, UserMode) == TRUE); /* enabled above */
        CHECK(RtlFormatCurrentUserKeyPath(&s) == STATUS_SUCCESS);
        CHECK(UsStartsWith(&s, L"\\REGISTRY\\USER\\S-1-5-21-"));
        RtlFreeUnicodeString(&s);
        SeCaptureSubjectContext(&subject);
        CHECK(subject.PrimaryToken == token && subject.ClientToken == NULL);
        CHECK(SeQueryAuthenticationIdToken(SeQuerySubjectContextToken(&subject), &enable.Privileges[0].Luid) == STATUS_SUCCESS && enable.Privileges[0].Luid.LowPart != 0x3e7);
        SeReleaseSubjectContext(&subject);
        KeUnstackDetachProcess(&apc);
        CHECK(KeIsAttachedProcess() == FALSE);
        CHECK(SeSinglePrivilegeCheck(SeExports->SeDebugPrivilege, UserMode) == TRUE);
        if (token) PsDereferencePrimaryToken(token);
        ObDereferenceObject(process);
    }
    if (h) ZwClose(h);
    if (ph) ZwClose(ph);
    return failures;
}

/* An impersonation token of explorer.exe's user, as a handle. */
static HANDLE UserImpersonationToken(SECURITY_IMPERSONATION_LEVEL level)
{
    HANDLE pid = FindProcess(L"explorer.exe"), ph = OpenProcessHandle(pid), primary, imp = NULL;
    OBJECT_ATTRIBUTES oa;
    SECURITY_QUALITY_OF_SERVICE qos;
    if (!ph) return NULL;
    primary = OpenToken(ph);
    ZwClose(ph);
    if (!primary) return NULL;
    qos.Length = sizeof(qos);
    qos.ImpersonationLevel = level;
    qos.ContextTrackingMode = SECURITY_STATIC_TRACKING;
    qos.EffectiveOnly = FALSE;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    oa.SecurityQualityOfService = &qos;
    if (!NT_SUCCESS(ZwDuplicateToken(primary, TOKEN_ALL_ACCESS, &oa, FALSE, TokenImpersonation, &imp))) imp = NULL;
    ZwClose(primary);
    return imp;
}

int TestImpersonation(void)
{
    int failures = 0;
    HANDLE imp = UserImpersonationToken(SecurityImpersonation), t = NULL, primary = OpenToken(NtCurrentProcess());
    PACCESS_TOKEN token, client = NULL;
    BOOLEAN copy = TRUE, effective = TRUE;
    SECURITY_IMPERSONATION_LEVEL level = SecurityAnonymous;
    SECURITY_SUBJECT_CONTEXT subject;
    UNICODE_STRING s;
    PVOID object = NULL;

    CHECK(imp != NULL);
    CHECK(QueryUlong(imp, TokenType) == TokenImpersonation);
    CHECK(QueryUlong(imp, TokenImpersonationLevel) == SecurityImpersonation);
    CHECK(ZwOpenThreadTokenEx(NtCurrentThread(), TOKEN_QUERY, TRUE, OBJ_KERNEL_HANDLE, &t) == STATUS_NO_TOKEN_);
    CHECK(PsReferenceImpersonationToken(PsGetCurrentThread(), &copy, &effective, &level) == NULL);
    /* A primary token cannot be a thread's impersonation token. */
    CHECK(ZwSetInformationThread(NtCurrentThread(), ThreadImpersonationToken, &primary, sizeof(HANDLE)) == STATUS_BAD_TOKEN_TYPE_);
    CHECK(ZwSetInformationThread(NtCurrentThread(), ThreadImpersonationToken, &imp, sizeof(HANDLE) - 1) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(ZwSetInformationThread(NtCurrentThread(), ThreadImpersonationToken, &imp, sizeof(HANDLE)) == STATUS_SUCCESS);
    CHECK(ZwOpenThreadToken(NtCurrentThread(), TOKEN_QUERY, TRUE, &t) == STATUS_SUCCESS);
    if (t) ZwClose(t);
    t = NULL;
    CHECK(ZwOpenThreadTokenEx(NtCurrentThread(), TOKEN_QUERY, TRUE, OBJ_KERNEL_HANDLE, &t) == STATUS_SUCCESS);
    CHECK(ZwOpenThreadTokenEx(NtCurrentProcess(), TOKEN_QUERY, TRUE, OBJ_KERNEL_HANDLE, &object) == STATUS_OBJECT_TYPE_MISMATCH);
    CHECK(t && UserSidString(t, &s) == STATUS_SUCCESS && UsStartsWith(&s, L"S-1-5-21-"));
    if (t) RtlFreeUnicodeString(&s);
    client = PsReferenceImpersonationToken(PsGetCurrentThread(), &copy, &effective, &level);
    CHECK(client != NULL && level == SecurityImpersonation && copy == FALSE && effective == FALSE);
    CHECK(ObReferenceObjectByHandle(t, 0, *SeTokenObjectType, KernelMode, &object, NULL) == STATUS_SUCCESS && object == client);
    if (object) ObDereferenceObject(object);
    /* While impersonating, checks use the client's token. */
    CHECK(SeSinglePrivilegeCheck(SeExports->SeDebugPrivilege, UserMode) == FALSE);
    CHECK(RtlFormatCurrentUserKeyPath(&s) == STATUS_SUCCESS && UsStartsWith(&s, L"\\REGISTRY\\USER\\S-1-5-21-"));
    RtlFreeUnicodeString(&s);
    SeCaptureSubjectContext(&subject);
    CHECK(subject.ClientToken == client && subject.ImpersonationLevel == SecurityImpersonation && subject.PrimaryToken != client);
    SeLockSubjectContext(&subject);
    CHECK(SeQuerySubjectContextToken(&subject) == client);
    SeUnlockSubjectContext(&subject);
    SeReleaseSubjectContext(&subject);
    PsRevertToSelf();
    CHECK(PsReferenceImpersonationToken(PsGetCurrentThread(), &copy, &effective, &level) == NULL);
    CHECK(SeSinglePrivilegeCheck(SeExports->SeDebugPrivilege, UserMode) == TRUE);
    /* PsImpersonateClient with a token pointer; NULL ends it. */
    CHECK(PsImpersonateClient(PsGetCurrentThread(), client, TRUE, FALSE, SecurityIdentification) == STATUS_SUCCESS);
    token = PsReferenceImpersonationToken(PsGetCurrentThread(), &copy, &effective, &level);
    CHECK(token == client && copy == TRUE && level == SecurityIdentification);
    /* ntifs.h makes PsDereferenceImpersonationToken a macro over ObDereferenceObject; the
       parenthesised name calls the exported routine, as drivers built without that header do. */
    if (token) (PsDereferenceImpersonationToken)(token);
    CHECK(PsImpersonateClient(PsGetCurrentThread(), NULL, FALSE, FALSE, SecurityImpersonation) == STATUS_SUCCESS);
    CHECK(PsReferenceImpersonationToken(PsGetCurrentThread(), &copy, &effective, &level) == NULL);
    (PsDereferenceImpersonationToken)(NULL);
    if (client) (PsDereferenceImpersonationToken)(client);
    if (t) ZwClose(t);
    if (imp) ZwClose(imp);
    if (primary) ZwClose(primary);
    return failures;
}

/* ACCESS_ALLOWED_ACE / ACCESS_DENIED_ACE written by hand at `at`; returns its size. */
static USHORT PutAce(PUCHAR at, UCHAR type, ACCESS_MASK mask, PSID sid)
{
    PACE_HEADER h = (PACE_HEADER)at;
    ULONG sidLen = RtlLengthSid(sid);
    h->AceType = type;
    h->AceFlags = 0;
    h->AceSize = (USHORT)(8 + sidLen);
    *(PACCESS_MASK)(at + 4) = mask;
    RtlCopySid(sidLen, at + 8, sid);
    return h->AceSize;
}

int TestAccessCheck(void)
{
    int failures = 0;
    UCHAR aclBuf[256];
    PACL acl = (PACL)aclBuf;
    SECURITY_DESCRIPTOR sd;
    SECURITY_SUBJECT_CONTEXT subject;
    GENERIC_MAPPING mapping = { FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS };
    ACCESS_MASK granted = 0;
    NTSTATUS status = STATUS_SUCCESS;
    HANDLE imp = UserImpersonationToken(SecurityImpersonation);
    PRIVILEGE_SET ps;
    ACCESS_STATE state;
    UCHAR aux[0x100];
    PACCESS_TOKEN token, filtered = NULL;
    PVOID info = NULL;
    PUCHAR at;

    /* DACL: Users may read, Administrators have everything, Everyone is denied WRITE_DAC. */
    CHECK(RtlCreateAcl(acl, sizeof(aclBuf), ACL_REVISION) == STATUS_SUCCESS);
    at = aclBuf + sizeof(ACL);
    at += PutAce(at, ACCESS_DENIED_ACE_TYPE, WRITE_DAC, SeExports->SeWorldSid);
    acl->AceCount++;
    CHECK(RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_GENERIC_READ, SeExports->SeAliasUsersSid) == STATUS_SUCCESS);
    CHECK(RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, SeExports->SeAliasAdminsSid) == STATUS_SUCCESS);
    CHECK(RtlCreateSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION) == STATUS_SUCCESS);
    CHECK(RtlSetDaclSecurityDescriptor(&sd, TRUE, acl, FALSE) == STATUS_SUCCESS);

    /* As SYSTEM (an administrator): write access, but WRITE_DAC is denied to Everyone first. */
    SeCaptureSubjectContext(&subject);
    CHECK(SeAccessCheck(&sd, &subject, FALSE, FILE_WRITE_DATA, 0, NULL, &mapping, UserMode, &granted, &status) == TRUE && granted == FILE_WRITE_DATA && status == STATUS_SUCCESS);
    CHECK(SeAccessCheck(&sd, &subject, FALSE, WRITE_DAC, 0, NULL, &mapping, UserMode, &granted, &status) == FALSE && granted == 0 && status == STATUS_ACCESS_DENIED);
    CHECK(SeAccessCheck(&sd, &subject, FALSE, MAXIMUM_ALLOWED, 0, NULL, &mapping, UserMode, &granted, &status) == TRUE && granted == (FILE_ALL_ACCESS & ~WRITE_DAC));
    /* Kernel mode: no check. */
    CHECK(SeAccessCheck(&sd, &subject, FALSE, WRITE_DAC, 0, NULL, &mapping, KernelMode, &granted, &status) == TRUE && granted == WRITE_DAC);
    /* Privileges: SYSTEM holds SeDebugPrivilege enabled. */
    ps.PrivilegeCount = 1;
    ps.Control = PRIVILEGE_SET_ALL_NECESSARY;
    ps.Privilege[0].Luid = SeExports->SeDebugPrivilege;
    ps.Privilege[0].Attributes = 0;
    CHECK(SePrivilegeCheck(&ps, &subject, UserMode) == TRUE && (ps.Privilege[0].Attributes & SE_PRIVILEGE_USED_FOR_ACCESS));
    SeReleaseSubjectContext(&subject);

    /* As the user (explorer's token, impersonated): Administrators is deny-only, so read only. */
    CHECK(imp && ZwSetInformationThread(NtCurrentThread(), ThreadImpersonationToken, &imp, sizeof(HANDLE)) == STATUS_SUCCESS);
    SeCaptureSubjectContext(&subject);
    CHECK(SeAccessCheck(&sd, &subject, FALSE, FILE_WRITE_DATA, 0, NULL, &mapping, UserMode, &granted, &status) == FALSE && status == STATUS_ACCESS_DENIED);
    CHECK(SeAccessCheck(&sd, &subject, FALSE, GENERIC_READ, 0, NULL, &mapping, UserMode, &granted, &status) == TRUE && granted == FILE_GENERIC_READ);
    CHECK(SeAccessCheck(&sd, &subject, FALSE, MAXIMUM_ALLOWED, 0, NULL, &mapping, UserMode, &granted, &status) == TRUE && granted == FILE_GENERIC_READ);
    ps.Privilege[0].Attributes = 0;
    CHECK(SePrivilegeCheck(&ps, &subject, UserMode) == FALSE && ps.Privilege[0].Attributes == 0);
    CHECK(SePrivilegeCheck(&ps, &subject, KernelMode) == TRUE);
    SeReleaseSubjectContext(&subject);
    /* No DACL: everything. */
    CHECK(RtlSetDaclSecurityDescriptor(&sd, FALSE, NULL, FALSE) == STATUS_SUCCESS);
    SeCaptureSubjectContext(&subject);
    CHECK(SeAccessCheck(&sd, &subject, FALSE, FILE_WRITE_DATA, 0, NULL, &mapping, UserMode, &granted, &status) == TRUE && granted == FILE_WRITE_DATA);
    SeReleaseSubjectContext(&subject);
    PsRevertToSelf();

    /* An access state captures the subject and maps the generic rights. */
    CHECK(SeCreateAccessState(&state, aux, GENERIC_READ, &mapping) == STATUS_SUCCESS);
    CHECK(state.OriginalDesiredAccess == FILE_GENERIC_READ && state.RemainingDesiredAccess == FILE_GENERIC_READ && state.PreviouslyGrantedAccess == 0);
    token = PsReferencePrimaryToken(PsGetCurrentProcess());
    CHECK(state.SubjectSecurityContext.PrimaryToken == token && state.SubjectSecurityContext.ClientToken == NULL && state.AuxData == aux);
    SeDeleteAccessState(&state);

    /* A filtered token: Administrators disabled, every privilege but SeChangeNotifyPrivilege gone. */
    {
        UCHAR tg[sizeof(TOKEN_GROUPS)];
        PTOKEN_GROUPS disable = (PTOKEN_GROUPS)tg;
        disable->GroupCount = 1;
        disable->Groups[0].Sid = SeExports->SeAliasAdminsSid;
        disable->Groups[0].Attributes = 0;
        CHECK(SeFilterToken(token, FILTER_DISABLE_MAX_PRIVILEGE, disable, NULL, NULL, &filtered) == STATUS_SUCCESS && filtered && filtered != token);
        CHECK(filtered && SeTokenIsAdmin(filtered) == FALSE && SeTokenIsAdmin(token) == TRUE);
        CHECK(filtered && SeQueryInformationToken(filtered, TokenPrivileges, &info) == STATUS_SUCCESS && info && ((PTOKEN_PRIVILEGES)info)->PrivilegeCount == 1 &&
              RtlEqualLuid(&((PTOKEN_PRIVILEGES)info)->Privileges[0].Luid, &SeExports->SeChangeNotifyPrivilege));
        if (info) ExFreePool(info);
        if (filtered) ObDereferenceObject(filtered);
    }
    PsDereferencePrimaryToken(token);
    if (imp) ZwClose(imp);
    return failures;
}

int WildTokenQuery(void)
{
    HANDLE h = NULL;
    ULONG len;
    ZwOpenProcessTokenEx(NtCurrentProcess(), TOKEN_QUERY, OBJ_KERNEL_HANDLE, &h);
    return ZwQueryInformationToken(h, TokenUser, (PVOID)(ULONG_PTR)0xdead0000, 100, &len);
}

int WildSubject(void)
{
    SeCaptureSubjectContext((PSECURITY_SUBJECT_CONTEXT)(ULONG_PTR)0x10);
    return 0;
}

int WildSid(void)
{
    UNICODE_STRING s;
    return RtlConvertSidToUnicodeString(&s, (PSID)(ULONG_PTR)0x20, TRUE);
}

/* The logon session behind a token: GetSecurityUserInfo by the token's authentication ID. */
int TestLogonSession(void)
{
    int failures = 0;
    USER_DATA *data = NULL;
    LUID luid = SYSTEM_LUID, bogus = { 0x7777, 0x7777 };
    PACCESS_TOKEN token;
    HANDLE pid = FindProcess(L"explorer.exe");
    PEPROCESS x = NULL;

    CHECK(GetSecurityUserInfo(&luid, 0, &data) == STATUS_SUCCESS && data);
    if (data) {
        CHECK(UsEquals(&data->UserName, L"SYSTEM") && RtlEqualSid(data->pSid, SeExports->SeLocalSystemSid));
        CHECK(LsaFreeReturnBuffer(data) == STATUS_SUCCESS);
    }
    data = NULL;
    CHECK(GetSecurityUserInfo(&bogus, 0, &data) == (NTSTATUS)0xC000005F /* STATUS_NO_SUCH_LOGON_SESSION */);
    /* NULL: the caller's own session (SYSTEM here). */
    CHECK(GetSecurityUserInfo(NULL, 0, &data) == STATUS_SUCCESS && data && RtlEqualSid(data->pSid, SeExports->SeLocalSystemSid));
    if (data) LsaFreeReturnBuffer(data);
    data = NULL;
    CHECK(PsLookupProcessByProcessId(pid, &x) == STATUS_SUCCESS);
    if (x) {
        token = PsReferencePrimaryToken(x);
        CHECK(token && SeQueryAuthenticationIdToken(token, &luid) == STATUS_SUCCESS);
        CHECK(GetSecurityUserInfo(&luid, 0, &data) == STATUS_SUCCESS && data);
        if (data) {
            UNICODE_STRING sid;
            CHECK(data->UserName.Length > 0 && data->LogonDomainName.Length > 0);
            CHECK(RtlConvertSidToUnicodeString(&sid, data->pSid, TRUE) == STATUS_SUCCESS && UsStartsWith(&sid, L"S-1-5-21-"));
            RtlFreeUnicodeString(&sid);
            LsaFreeReturnBuffer(data);
        }
        if (token) PsDereferencePrimaryToken(token);
        ObDereferenceObject(x);
    }
    return failures;
}

/* Client security contexts (the server side of an LPC/RPC-style request), setting token
   information, and the two routines that have nothing to do in this system. */
int TestClientSecurity(void)
{
    int failures = 0;
    SECURITY_QUALITY_OF_SERVICE qos;
    SECURITY_CLIENT_CONTEXT cc;
    PACCESS_TOKEN primary = PsReferencePrimaryToken(PsGetCurrentProcess()), imp, token;
    BOOLEAN copy, effective;
    SECURITY_IMPERSONATION_LEVEL level;
    HANDLE user = UserImpersonationToken(SecurityImpersonation), dup = NULL;
    OBJECT_ATTRIBUTES oa;
    ULONG session = 1, len = 0;
    PSID sid;
    PVOID info = NULL, apcContext = (PVOID)(ULONG_PTR)0x1234, apcRoutine = (PVOID)(ULONG_PTR)0x5678;
    UCHAR buf[64];
    TOKEN_MANDATORY_LABEL label;
    UCHAR medium[12];
    SID_IDENTIFIER_AUTHORITY mandatory = SECURITY_MANDATORY_LABEL_AUTHORITY;

    /* Dynamic tracking, not impersonating: the primary token itself. */
    qos.Length = sizeof(qos);
    qos.ImpersonationLevel = SecurityImpersonation;
    qos.ContextTrackingMode = SECURITY_DYNAMIC_TRACKING;
    qos.EffectiveOnly = FALSE;
    CHECK(SeCreateClientSecurity(PsGetCurrentThread(), &qos, FALSE, &cc) == STATUS_SUCCESS);
    CHECK(cc.ClientToken == primary && cc.DirectlyAccessClientToken == TRUE && cc.ServerIsRemote == FALSE);
    CHECK(cc.ClientTokenControl.AuthenticationId.LowPart == 0x3e7 && cc.SecurityQos.ImpersonationLevel == SecurityImpersonation);
    CHECK(SeImpersonateClientEx(&cc, NULL) == STATUS_SUCCESS);
    imp = PsReferenceImpersonationToken(PsGetCurrentThread(), &copy, &effective, &level);
    CHECK(imp == primary && level == SecurityImpersonation);
    if (imp) ObDereferenceObject(imp);
    PsRevertToSelf();
    SeDeleteClientSecurity(&cc);

    /* Static tracking while impersonating the user: a copy of the user's token at the QOS level. */
    CHECK(user && ZwSetInformationThread(NtCurrentThread(), ThreadImpersonationToken, &user, sizeof(HANDLE)) == STATUS_SUCCESS);
    qos.ImpersonationLevel = SecurityIdentification;
    qos.ContextTrackingMode = SECURITY_STATIC_TRACKING;
    CHECK(SeCreateClientSecurity(PsGetCurrentThread(), &qos, TRUE, &cc) == STATUS_SUCCESS);
    CHECK(cc.DirectlyAccessClientToken == FALSE && cc.ServerIsRemote == TRUE && SeTokenType(cc.ClientToken) == TokenImpersonation);
    CHECK(SeQueryInformationToken(cc.ClientToken, TokenImpersonationLevel, &info) == STATUS_SUCCESS && info && *(PULONG)info == SecurityIdentification);
    if (info) ExFreePool(info);
    info = NULL;
    CHECK(SeQueryInformationToken(cc.ClientToken, TokenUser, &info) == STATUS_SUCCESS && info && !RtlEqualSid(((PTOKEN_USER)info)->User.Sid, SeExports->SeLocalSystemSid));
    if (info) ExFreePool(info);
    PsRevertToSelf();
    SeDeleteClientSecurity(&cc);

    /* ZwSetInformationToken on a primary copy of SYSTEM's token. */
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    CHECK(ZwDuplicateToken(NtCurrentProcessToken(), TOKEN_ALL_ACCESS, &oa, FALSE, TokenPrimary, &dup) == STATUS_SUCCESS);
    CHECK(ZwSetInformationToken(dup, TokenSessionId, &session, sizeof(session)) == STATUS_SUCCESS);
    session = 7;
    CHECK(ZwQueryInformationToken(dup, TokenSessionId, &session, sizeof(session), &len) == STATUS_SUCCESS && session == 1);
    sid = SeExports->SeWorldSid;
    CHECK(ZwSetInformationToken(dup, TokenOwner, &sid, sizeof(sid)) == STATUS_INVALID_OWNER_);
    sid = SeExports->SeLocalSystemSid;
    CHECK(ZwSetInformationToken(dup, TokenOwner, &sid, sizeof(sid)) == STATUS_SUCCESS);
    CHECK(ZwQueryInformationToken(dup, TokenOwner, buf, sizeof(buf), &len) == STATUS_SUCCESS && RtlEqualSid(((PTOKEN_OWNER)buf)->Owner, SeExports->SeLocalSystemSid));
    CHECK(RtlInitializeSid(medium, &mandatory, 1) == STATUS_SUCCESS);
    *RtlSubAuthoritySid(medium, 0) = SECURITY_MANDATORY_MEDIUM_RID;
    label.Label.Sid = medium;
    label.Label.Attributes = SE_GROUP_INTEGRITY;
    CHECK(ZwSetInformationToken(dup, TokenIntegrityLevel, &label, sizeof(label)) == STATUS_SUCCESS);
    CHECK(ZwQueryInformationToken(dup, TokenIntegrityLevel, buf, sizeof(buf), &len) == STATUS_SUCCESS && *RtlSubAuthoritySid(((PTOKEN_MANDATORY_LABEL)buf)->Label.Sid, 0) == SECURITY_MANDATORY_MEDIUM_RID);
    /* The process's own token is unchanged. */
    CHECK(SeQueryInformationToken(primary, TokenSessionId, &info) == STATUS_SUCCESS && (ULONG)(ULONG_PTR)info == 0);
    CHECK(ZwSetInformationToken(dup, TokenUser, &sid, sizeof(sid)) == STATUS_INVALID_INFO_CLASS);
    CHECK(ZwSetInformationToken((HANDLE)(ULONG_PTR)0x7770, TokenSessionId, &session, sizeof(session)) == STATUS_INVALID_HANDLE);

    /* No process is WOW64: an APC is left as it is. No audit policy: nothing to record. */
    CHECK(PsWrapApcWow64Thread(&apcContext, &apcRoutine) == STATUS_SUCCESS && apcContext == (PVOID)(ULONG_PTR)0x1234 && apcRoutine == (PVOID)(ULONG_PTR)0x5678);
    SeDeleteObjectAuditAlarm(primary, dup);

    token = primary;
    PsDereferencePrimaryToken(token);
    if (dup) ZwClose(dup);
    if (user) ZwClose(user);
    return failures;
}

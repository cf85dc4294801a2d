/*
 * apirank.sys — IoWMIRegistrationControl (wdm.h) and IoGetRequestorSessionId (ntifs.h), as
 * Microsoft Learn documents them.
 */
#include "apirank.h"

int TestWmi(void)
{
    int failures = 0;
    PDEVICE_OBJECT dev = CreateTestDevice();

    CHECK(dev != NULL);
    if (!dev) return failures;
    /* Learn: STATUS_SUCCESS when WMI did the action ... */
    CHECK(IoWMIRegistrationControl(dev, WMIREG_ACTION_REGISTER) == STATUS_SUCCESS);
    CHECK(IoWMIRegistrationControl(dev, WMIREG_ACTION_UPDATE_GUIDS) == STATUS_SUCCESS);
    CHECK(IoWMIRegistrationControl(dev, WMIREG_ACTION_REREGISTER) == STATUS_SUCCESS);
    /* ... STATUS_INVALID_PARAMETER when the action is not one of the WMIREG_ACTION_* values. */
    CHECK(IoWMIRegistrationControl(dev, 0) == STATUS_INVALID_PARAMETER);
    CHECK(IoWMIRegistrationControl(dev, WMIREG_ACTION_BLOCK_IRPS + 1) == STATUS_INVALID_PARAMETER);
    CHECK(IoWMIRegistrationControl(dev, 0x100 | WMIREG_ACTION_REGISTER) == STATUS_INVALID_PARAMETER);
    CHECK(IoWMIRegistrationControl(dev, WMIREG_ACTION_DEREGISTER) == STATUS_SUCCESS);
    IoDeleteDevice(dev);
    return failures;
}

int TestRequestorSession(void)
{
    int failures = 0;
    ULONG session = 12345;
    PIRP irp = IoAllocateIrp(1, FALSE);

    CHECK(irp != NULL);
    if (!irp) return failures;
    /* No thread sent this IRP: STATUS_UNSUCCESSFUL and the session -1 (Learn). */
    irp->Tail.Overlay.Thread = NULL;
    CHECK(IoGetRequestorSessionId(irp, &session) == STATUS_UNSUCCESSFUL);
    CHECK(session == (ULONG)-1);
    /* Sent by this thread, of the System process: session 0. */
    irp->Tail.Overlay.Thread = PsGetCurrentThread();
    CHECK(IoGetRequestorSessionId(irp, &session) == STATUS_SUCCESS);
    CHECK(session == 0);
    CHECK(IoGetRequestorProcess(irp) == PsGetCurrentProcess());
    IoFreeIrp(irp);
    return failures;
}

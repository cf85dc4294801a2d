/* blkbus.h: the bus library's interface, written the way WinVBlock's headers are: a prototype
 * names a type before the header that declares it (cl.exe reads the list as an old-style
 * identifier list) and a struct tag is first declared inside a prototype (cl.exe gives it file
 * scope). Both compile with cl.exe; kmdll repairs them with a warning. */
#ifndef BLKBUS_H
#define BLKBUS_H
#include <ntddk.h>

#if _WIN32_WINNT != 0x0502
#error "built for Windows Server 2003 (_NT_TARGET_VERSION=0x502, as setenv.bat ... wnet sets it)"
#endif

/* BLKBUS_SP_DEV is declared in blkdev.h, which comes later. */
extern BOOLEAN BlkBusAddDev(IN BLKBUS_SP_DEV);

extern NTSTATUS BlkBusDescribe(
    IN ULONG Unit,
    IN struct BLKBUS_DISK *
  );

extern ULONG BlkBusCount(void);
#endif

/* unsafe.h — what the io-unsafe driver's files share. */
#include <ntddk.h>
#include "../include/kmdllio.h"

NTSTATUS UnsafeCopy(PIRP Irp, PIO_STACK_LOCATION sp);

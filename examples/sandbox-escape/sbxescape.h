/* sbxescape.h — what the sandbox-escape driver's files share. */
#include <ntifs.h>

/* The text of the canary file the test puts outside the root (and behind links inside it). */
#define CANARY "KMDLL-CANARY"
#define CANARY_LEN 12

/* Names that try to leave the root: each export tries every one. */
extern const PCWSTR EscapeNames[];
extern const ULONG EscapeNameCount;

NTSTATUS OpenName(PCWSTR path, HANDLE root, ACCESS_MASK access, ULONG disposition, ULONG options, HANDLE *h);
BOOLEAN SawCanary(HANDLE h);

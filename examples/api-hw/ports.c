/*
 * I/O ports through the WDK's port routines: READ_PORT_* / WRITE_PORT_* and their BUFFER forms
 * (Microsoft Learn, wdm.h). x64 headers inline them as in/out instructions; x86 drivers call
 * them in hal.dll. The machine model latches what is written to a port and reads all ones where
 * nothing was written (no device there). Ports 0x2A0-0x2AF: no device of the default machine.
 */
#include "apihw.h"

#define P(n) ((PUCHAR)(ULONG_PTR)(0x2A0 + (n)))

int TestPorts(void)
{
    int failures = 0;
    UCHAR bytes[4] = { 0x11, 0x22, 0x33, 0x44 }, b[4] = { 0 };
    USHORT words[3] = { 0x1234, 0x5678, 0x9ABC }, w[3] = { 0 };
    ULONG dwords[2] = { 0x89ABCDEF, 0x01020304 }, d[2] = { 0 };

    /* Nothing there yet: the bus reads all ones. */
    CHECK(READ_PORT_UCHAR(P(0)) == 0xFF && READ_PORT_USHORT((PUSHORT)P(0)) == 0xFFFF && READ_PORT_ULONG((PULONG)P(0)) == 0xFFFFFFFF);
    /* A byte, a word, a dword: each read back; a byte of the word, little-endian. */
    WRITE_PORT_UCHAR(P(0), 0x5A);
    CHECK(READ_PORT_UCHAR(P(0)) == 0x5A);
    WRITE_PORT_USHORT((PUSHORT)P(2), 0xBEEF);
    CHECK(READ_PORT_USHORT((PUSHORT)P(2)) == 0xBEEF && READ_PORT_UCHAR(P(3)) == 0xBE);
    WRITE_PORT_ULONG((PULONG)P(4), 0xCAFEF00D);
    CHECK(READ_PORT_ULONG((PULONG)P(4)) == 0xCAFEF00D && READ_PORT_USHORT((PUSHORT)P(6)) == 0xCAFE);
    /* The BUFFER forms transfer Count elements through one port: the last one written stays latched. */
    WRITE_PORT_BUFFER_UCHAR(P(8), bytes, 4);
    CHECK(READ_PORT_UCHAR(P(8)) == 0x44);
    READ_PORT_BUFFER_UCHAR(P(8), b, 4);
    CHECK(b[0] == 0x44 && b[1] == 0x44 && b[2] == 0x44 && b[3] == 0x44);
    WRITE_PORT_BUFFER_USHORT((PUSHORT)P(10), words, 3);
    READ_PORT_BUFFER_USHORT((PUSHORT)P(10), w, 2);
    CHECK(w[0] == 0x9ABC && w[1] == 0x9ABC && w[2] == 0);
    WRITE_PORT_BUFFER_ULONG((PULONG)P(12), dwords, 2);
    READ_PORT_BUFFER_ULONG((PULONG)P(12), d, 1);
    CHECK(d[0] == 0x01020304 && d[1] == 0);
    return failures;
}

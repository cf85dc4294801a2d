/*
 * printf cases whose output C99 and the Windows kernel define identically. Included by the
 * driver (each CASE becomes one DbgPrint / _snprintf / vDbgPrintEx) and by a native Linux program
 * the test builds with the host clang (each CASE becomes one printf line): the outputs must match.
 * Arguments are int, unsigned, long long or narrow strings only.
 */
CASE("plain text")
CASE("%d|%i|%u", 42, -42, 42u)
CASE("%d|%d", 2147483647, (int)0x80000000)
CASE("%u|%x|%X", 4294967295u, 3735928559u, 3735928559u)
CASE("[%5d][%-5d][%05d]", 42, 42, 42)
CASE("[%+d][% d][%+d][% d]", 7, 7, -7, -7)
CASE("[%.3d][%8.3d][%-8.3d][%08.3d]", 5, -5, 5, 5)
CASE("[%.0d][%.0u][%5.0x]", 0, 0u, 0u)
CASE("[%#x][%#X][%#x][%#010x]", 255u, 255u, 0u, 255u)
CASE("[%*d][%-*d][%*d]", 6, 1, 6, 2, -6, 3)
CASE("[%.*d][%.*d]", 4, 7, -1, 7)
CASE("[%s][%10s][%-10s][%.2s]", "abc", "abc", "abc", "abc")
CASE("[%*.*s]", 8, 3, "abcdef")
CASE("[%c][%3c][%-3c]", 'x', 'y', 'z')
CASE("[%hd][%hu][%hx]", 70000, 70000, 70000)
CASE("[%hhd][%hhu][%hhx]", 300, 300, 300)
CASE("[%lld][%llu][%llx]", -9223372036854775807LL - 1, 18446744073709551615ULL, 81985529216486895LL)
CASE("[%20lld][%-20llX|", 123456789012345LL, 81985529216486895LL)
CASE("100%% sure, %d%%", 99)
CASE("%s=%d, %s=%d, %s=%d, %s=%d", "a", 1, "b", 2, "c", 3, "d", 4)
CASE("%d %d %d %d %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)

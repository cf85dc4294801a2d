/*
 * Rtl bitmaps: a 100-bit map, ranges, searches with a hint that wraps, runs, counts.
 */
#include "apirtlx.h"

int TestBitmaps(void)
{
    int failures = 0;
    ULONG buffer[4];
    RTL_BITMAP map;
    ULONG start = 0, index;
    RTL_BITMAP_RUN runs[4];

    RtlInitializeBitMap(&map, buffer, 100);
    RtlSetAllBits(&map);
    CHECK(RtlNumberOfSetBits(&map) == 100 && RtlNumberOfClearBits(&map) == 0);
    RtlClearAllBits(&map);
    CHECK(RtlNumberOfClearBits(&map) == 100);
    RtlSetBits(&map, 10, 5);
    CHECK(RtlAreBitsSet(&map, 10, 5) && !RtlAreBitsSet(&map, 9, 2));
    CHECK(RtlAreBitsClear(&map, 0, 10) && !RtlAreBitsClear(&map, 0, 11));
    CHECK(!RtlAreBitsClear(&map, 95, 10)); /* past the end */
    RtlSetBit(&map, 99);
    CHECK(RtlTestBit(&map, 99) && !RtlTestBit(&map, 98));
    RtlClearBit(&map, 99);
    CHECK(buffer[0] == (0x1Fu << 10));
    CHECK(RtlFindSetBits(&map, 5, 0) == 10);
    CHECK(RtlFindSetBits(&map, 6, 0) == 0xFFFFFFFF);
    CHECK(RtlFindClearBits(&map, 10, 5) == 15);
    /* The hint wraps: from 95 there is no room for 10, so the search restarts at 0. */
    CHECK(RtlFindClearBits(&map, 10, 95) == 0);
    index = RtlFindClearBitsAndSet(&map, 3, 0);
    CHECK(index == 0 && RtlAreBitsSet(&map, 0, 3));
    CHECK(RtlFindSetBitsAndClear(&map, 3, 0) == 0 && RtlAreBitsClear(&map, 0, 3));
    RtlClearBits(&map, 10, 5);
    RtlSetBits(&map, 20, 1);
    RtlSetBits(&map, 50, 1);
    CHECK(RtlFindFirstRunClear(&map, &start) == 20 && start == 0);
    CHECK(RtlFindLongestRunClear(&map, &start) == 49 && start == 51);
    CHECK(RtlFindNextForwardRunClear(&map, 20, &start) == 29 && start == 21);
    CHECK(RtlFindLastBackwardRunClear(&map, 49, &start) == 29 && start == 21);
    CHECK(RtlFindClearRuns(&map, runs, 4, TRUE) == 3 && runs[0].StartingIndex == 51 && runs[0].NumberOfBits == 49);
    CHECK(RtlNumberOfSetBitsUlongPtr(0xF0F0) == 8);
    CHECK(RtlFindLeastSignificantBit(0x100) == 8 && RtlFindMostSignificantBit(0x100) == 8);
    CHECK(RtlFindMostSignificantBit(0) == -1);
    return failures;
}

/* A bitmap header pointing nowhere: a clean fault. */
int WildBitmap(void)
{
    RTL_BITMAP map;
    map.SizeOfBitMap = 64;
    map.Buffer = (PULONG)(ULONG_PTR)0xFFFFA000DEAD0000ULL;
    return (int)RtlNumberOfSetBits(&map);
}

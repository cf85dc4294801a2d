#include <stdio.h>
int main(void) { printf("vmtool\n"); return 0; }

/* Test input for test/pe-synth.test.ts: a DLL with by-ordinal imports, delay imports (by name and
   ordinal), NONAME exports, aliases, forwarders (by name and by ordinal) and TLS callbacks. */
__declspec(dllimport) int Foo(void);
__declspec(dllimport) int Bar(void);
__declspec(dllimport) int Late(void);
__declspec(dllimport) int LateOrd(void);
int Exported(int x) { return x + 1; }
int Hidden(int x) { return x + 2; }
static void __stdcall tlscb(void *h, unsigned long r, void *p) { (void)h; (void)r; (void)p; }
static void __stdcall tlscb2(void *h, unsigned long r, void *p) { (void)h; (void)r; (void)p; }
unsigned long _tls_index = 0;
static void (__stdcall *tls_callbacks[3])(void *, unsigned long, void *) = { tlscb, tlscb2, 0 };
static char tls_data[8];
const struct { void *start, *end, *index, *callbacks; unsigned long zerofill, characteristics; } _tls_used = {
  tls_data, tls_data + 8, &_tls_index, tls_callbacks, 0, 0 };
void *__stdcall __delayLoadHelper2(const void *d, void **slot) { (void)d; return *slot; }
int __stdcall DllEntry(void *a, unsigned long b, void *c) { (void)a; (void)b; (void)c; return Foo() + Bar() + Late() + LateOrd(); }

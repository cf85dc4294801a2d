// kmdll_preload: opens a shared object on a thread of its own, so that the dynamic linker's work
// for it overlaps what the main thread does meanwhile. bin/kmdll.js calls preload(path of
// kmdll_unicorn.node) first thing for the emulator commands (sim, call, demo): opening the
// Unicorn addon opens libunicorn (Debian's is ~19 MB, every architecture, linked BIND_NOW: tens of
// thousands of symbol relocations, a fifth of an emulator start's CPU time besides Node's own), and
// that now happens on another CPU while the main thread reads and compiles the CLI bundle. When the
// emulator then loads the addon (src/emu/native.ts, Node's process.dlopen: dlopen with RTLD_LAZY,
// as here), the dynamic linker finds the object already loaded, or waits for this thread to finish
// loading it (glibc serializes dlopen). Any failure here is silent: the main thread's own load then
// fails the same way and reports it. Plain C (Node-API only): no C++ runtime, nothing else loaded.
#include <node_api.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

static void* OpenOnThisThread(void* path) {
  // The handle is never closed: Node's own load of the addon keeps it loaded for the process anyway.
  (void)dlopen((const char*)path, RTLD_LAZY);
  free(path);
  return NULL;
}

// preload(path: string): boolean — whether a thread was started to open `path`.
static napi_value Preload(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  size_t len = 0;
  int started = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1 &&
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) == napi_ok) {
    char* path = (char*)malloc(len + 1);
    if (path != NULL && napi_get_value_string_utf8(env, argv[0], path, len + 1, &len) == napi_ok) {
      pthread_attr_t attr;
      pthread_t thread;
      if (pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&thread, &attr, OpenOnThisThread, path) == 0;
        pthread_attr_destroy(&attr);
      }
    }
    if (!started) free(path);
  }
  napi_get_boolean(env, started, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "preload", NAPI_AUTO_LENGTH, Preload, NULL, &fn) == napi_ok) napi_set_named_property(env, exports, "preload", fn);
  return exports;
}

// kmdll's Node-API binding over libunicorn: x86-64 (default), x86 (32-bit protected mode) or ARM64,
// chosen by the constructor's argument ("x64", "x86", "arm64"). It exposes only what the emulator
// needs: memory map/protect/read/write, registers, one range-limited code hook that passes the
// first argument registers, the stack pointer and the return address to JS and writes the return
// register, invalid-memory / interrupt / invalid-instruction recording, and start/stop with a
// timeout. Per mode, the hook passes (a0, a1, a2, a3, sp, return address):
//   x64   RCX RDX R8 R9, RSP, [RSP]           result → RAX
//   x86   ECX EDX 0 0,  ESP, [ESP] (4 bytes)  result → EAX (low 32 bits), EDX (high 32 bits)
//   arm64 X0 X1 X2 X3,  SP,  X30 (LR)         result → X0
//
// Time budget: Unicorn 2.0.1's own timeout cannot be nested (an inner uc_emu_start with a timeout
// replaces the outer timer thread's handle and the outer join aborts the process; an inner start
// without one resets the shared timeout the outer timer polls). So the outermost start() runs its
// own watchdog thread that calls uc_emu_stop at the deadline, whichever run is then innermost;
// nested start() calls ignore their timeout argument.
//
// Rules: C++ exceptions are disabled (NAPI_DISABLE_CPP_EXCEPTIONS) so nothing can unwind through
// Unicorn's C frames. A JS exception thrown by the hook callback is caught here, emulation is
// stopped with uc_emu_stop, and the exception is re-thrown from start() once uc_emu_start returns.
#include <napi.h>
#include <unicorn/unicorn.h>

#include <sys/mman.h>

#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <array>
#include <map>
#include <mutex>
#include <unordered_map>
#include <string>
#include <thread>
#include <vector>

namespace {

// Unicorn 2.0.1 calls abort() on some internal errors while translating guest code (e.g.
// "tcg fatal error" for certain invalid encodings such as `ff ea`). A SIGABRT raised during
// uc_emu_start jumps back to start(), which then reports ENGINE_ABORTED and marks the engine
// unusable (it is leaked, never touched again) instead of letting the process die.
constexpr int ENGINE_ABORTED = 1000;
thread_local sigjmp_buf* g_abortJmp = nullptr;
struct sigaction g_oldAbort;
bool g_abortInstalled = false;

void OnAbortSignal(int) {
  if (g_abortJmp) siglongjmp(*g_abortJmp, 1);
  sigaction(SIGABRT, &g_oldAbort, nullptr);
  raise(SIGABRT);
}

// Before it aborts, Unicorn prints "tcg fatal error" with fprintf(stderr, ...). While the
// outermost uc_emu_start runs, C stdio's stderr (not file descriptor 2, which Node writes to)
// points to a memory stream: after a handled abort its text is dropped (the engine fault is
// reported instead); after a normal run anything Unicorn printed is passed on to the real stderr.
// glibc documents stdin/stdout/stderr as ordinary variables a program may assign.
struct StderrCapture {
  FILE* saved = nullptr;
  FILE* mem = nullptr;
  char* buf = nullptr;
  size_t len = 0;
  void begin() {
    mem = open_memstream(&buf, &len);
    if (!mem) return;
    fflush(stderr);
    saved = stderr;
    stderr = mem;
  }
  void end(bool forward) {
    if (!mem) return;
    stderr = saved;
    fclose(mem);
    if (forward && buf && len > 0) {
      fwrite(buf, 1, len, stderr);
      fflush(stderr);
    }
    free(buf);
    mem = nullptr;
    buf = nullptr;
    len = 0;
  }
};

void InstallAbortHandler() {
  if (g_abortInstalled) return;
  struct sigaction sa;
  sa.sa_handler = OnAbortSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_NODEFER;
  if (sigaction(SIGABRT, &sa, &g_oldAbort) == 0) g_abortInstalled = true;
}

struct Fault {
  bool valid = false;
  int type = 0;
  uint64_t address = 0;
  int size = 0;
  int64_t value = 0;
  /** The program counter inside the invalid-memory hook (the faulting instruction; x64 only). */
  uint64_t pc = 0;
  bool hasPc = false;
};

class Engine : public Napi::ObjectWrap<Engine> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Engine",
                       {
                           InstanceMethod("mapMemory", &Engine::MapMemory),
                           InstanceMethod("unmapMemory", &Engine::UnmapMemory),
                           InstanceMethod("protect", &Engine::Protect),
                           InstanceMethod("read", &Engine::Read),
                           InstanceMethod("write", &Engine::Write),
                           InstanceMethod("regRead", &Engine::RegRead),
                           InstanceMethod("regWrite", &Engine::RegWrite),
                           InstanceMethod("regReadMany", &Engine::RegReadMany),
                           InstanceMethod("regWriteMany", &Engine::RegWriteMany),
                           InstanceMethod("setApiHook", &Engine::SetApiHook),
                           InstanceMethod("setGdtr", &Engine::SetGdtr),
                           InstanceMethod("setIdtr", &Engine::SetIdtr),
                           InstanceMethod("setBlockHook", &Engine::SetBlockHook),
                           InstanceMethod("takeBlocks", &Engine::TakeBlocks),
                           InstanceMethod("setInsnHook", &Engine::SetInsnHook),
                           InstanceMethod("watchCode", &Engine::WatchCode),
                           InstanceMethod("unwatchCode", &Engine::UnwatchCode),
                           InstanceMethod("start", &Engine::Start),
                           InstanceMethod("stop", &Engine::Stop),
                           InstanceMethod("lastFault", &Engine::LastFault),
                           InstanceMethod("lastInterrupt", &Engine::LastInterrupt),
                           InstanceMethod("close", &Engine::Close),
                           InstanceMethod("softMap", &Engine::SoftMap),
                           InstanceMethod("softAlias", &Engine::SoftAlias),
                           InstanceMethod("setCpuid", &Engine::SetCpuid),
                           InstanceMethod("softUnalias", &Engine::SoftUnalias),
                           InstanceMethod("mapHost", &Engine::MapHost),
                           InstanceMethod("softProtect", &Engine::SoftProtect),
                           InstanceMethod("softSuspend", &Engine::SoftSuspend),
                       });
  }

  explicit Engine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Engine>(info) {
    std::string mode = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "x64";
    uc_err err;
    if (mode == "x64") {
      mode_ = MODE_X64;
      err = uc_open(UC_ARCH_X86, UC_MODE_64, &uc_);
    } else if (mode == "x86") {
      mode_ = MODE_X86;
      err = uc_open(UC_ARCH_X86, UC_MODE_32, &uc_);
    } else if (mode == "arm64") {
      mode_ = MODE_ARM64;
      err = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc_);
    } else {
      uc_ = nullptr;
      Napi::TypeError::New(info.Env(), "Engine mode must be \"x64\", \"x86\" or \"arm64\"").ThrowAsJavaScriptException();
      return;
    }
    if (err != UC_ERR_OK) {
      uc_ = nullptr;
      Napi::Error::New(info.Env(), std::string("uc_open failed: ") + uc_strerror(err))
          .ThrowAsJavaScriptException();
      return;
    }
    // Optional CPU model (UC_CPU_X86_*, unicorn/x86.h; UC_CPU_ARM64_*, unicorn/arm64.h): set right
    // after uc_open, before any mapping or register access, as Unicorn 2 requires (uc_ctl_set_cpu_model).
    if (info.Length() > 1 && info[1].IsNumber()) {
      int model = info[1].As<Napi::Number>().Int32Value();
      uc_err e = uc_ctl_set_cpu_model(uc_, model);
      if (e != UC_ERR_OK) {
        uc_close(uc_);
        uc_ = nullptr;
        Napi::Error::New(info.Env(), std::string("uc_ctl_set_cpu_model failed: ") + uc_strerror(e))
            .ThrowAsJavaScriptException();
        return;
      }
    }
    InstallAbortHandler();
    uc_hook h;
    uc_hook_add(uc_, &h, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&Engine::OnInvalidMem), this, 1, 0);
    if (mode_ == MODE_X64 || mode_ == MODE_X86) {
      // A memory hook (on one never-used byte: the last page, which the emulator never maps)
      // makes Unicorn keep the PC exact at every memory access, so a fault names its instruction
      // rather than the start of its translation block.
      const uint64_t never = mode_ == MODE_X64 ? 0xfffffffffffff000ULL : 0xfffff000ULL;
      uc_hook_add(uc_, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(&Engine::OnMemNothing), this, never, never);
    }
    uc_hook_add(uc_, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&Engine::OnInterrupt), this, 1, 0);
    uc_hook_add(uc_, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&Engine::OnInvalidInsn), this, 1, 0);
  }

  ~Engine() override {
    if (uc_ && !broken_) uc_close(uc_);
    // A broken engine is leaked (it may still point into these pages): keep them too.
    if (!broken_) ReleaseSoft();
  }

 private:
  enum Mode { MODE_X64, MODE_X86, MODE_ARM64 };
  uc_engine* uc_ = nullptr;
  Mode mode_ = MODE_X64;
  bool broken_ = false;
  Napi::FunctionReference apiHookFn_;
  uc_hook apiHook_ = 0;
  // Basic-block coverage (setBlockHook/takeBlocks): start address → size of each block entered
  // in [blockBegin, blockEnd], collected natively (no JS call per block).
  uc_hook blockHook_ = 0;
  bool hasBlockHook_ = false;
  std::unordered_map<uint64_t, uint32_t> blocks_;
  bool hasApiHook_ = false;
  // Fast hook mode (setApiHook with a BigUint64Array): the registers go to this array and the
  // callback gets one small number (the address's offset from the hooked range's start), so a
  // call costs no BigInt creation on this side.
  Napi::Reference<Napi::Value> hookRegsRef_;
  uint64_t* hookRegs_ = nullptr;
  size_t hookSlots_ = 0;
  uint64_t hookBegin_ = 0;
  // Hook calls in progress (a handler may run guest code that calls the hook again): each depth
  // has its own 8-element slot in the regs array, so an outer call's registers stay readable.
  size_t hookDepth_ = 0;
  // Soft-protected regions (softMap): one Unicorn region each, over memory this engine owns,
  // mapped with no rights, so every guest access comes to OnInvalidMem, which allows it when the
  // page's entry in `perms` does. Page rights then change without new Unicorn regions: Unicorn
  // 2.0.1 allocates each region's RAM block with an O(n²) search over the existing ones and
  // aborts past ~4096 regions, so per-section regions made loading n images cost O(n³).
  struct SoftRegion {
    uint64_t base;
    uint64_t size;
    uint8_t* host;
    // Per page: 0 = not mapped; else PRESENT | UC_PROT_* rights. calloc'd (one byte per page:
    // 1 MiB for the 4 GiB driver image area): the kernel's zero pages until a page's entry is
    // first written, where a zero-filled vector wrote all of it at every emulator start.
    uint8_t* perms;
    // An alias (softAlias): a second guest range over part of another soft region's memory (a
    // system mapping of an MDL's pages); `origin` is the guest address the memory has there.
    // Its memory is not its own (never released through it).
    bool alias = false;
    uint64_t origin = 0;
  };
  static constexpr uint8_t PRESENT = 0x80;
  // softSuspend: the guest may not touch the page (its rights are kept; host access is unaffected).
  static constexpr uint8_t SUSPENDED = 0x40;
  std::vector<SoftRegion> soft_;
  // ArrayBuffers mapped with mapHost (kept alive while Unicorn may use their memory).
  std::vector<Napi::Reference<Napi::ArrayBuffer>> hostBuffers_;
  // The guest ranges mapped with mapHost and their memory: the API hook reads the return address
  // from there directly (the kernel stacks are mapped so) instead of through uc_mem_read.
  struct HostRegion {
    uint64_t base;
    uint64_t size;
    uint8_t* host;
  };
  std::vector<HostRegion> hostRegions_;
  size_t hostHit_ = 0;
  // Copy n bytes at guest address a from a mapHost region; false when they are not all in one.
  bool ReadHost(uint64_t a, void* out, size_t n) {
    size_t count = hostRegions_.size();
    for (size_t k = 0; k < count; k++) {
      size_t i = (hostHit_ + k) % count;
      const HostRegion& r = hostRegions_[i];
      if (a - r.base < r.size && r.size - (a - r.base) >= n) {
        memcpy(out, r.host + (a - r.base), n);
        hostHit_ = i;
        return true;
      }
    }
    return false;
  }
  SoftRegion* SoftAt(uint64_t a) {
    for (auto& r : soft_)
      if (a - r.base < r.size) return &r;
    return nullptr;
  }
  void ReleaseSoft() {
    for (auto& r : soft_) {
      if (!r.alias) munmap(r.host, r.size);
      free(r.perms);
    }
    soft_.clear();
  }
  Fault fault_;
  int interrupt_ = -1;
  bool invalidInsn_ = false;
  // A JS exception thrown in the hook during the innermost running start().
  Napi::Reference<Napi::Value> pending_;
  bool hasPending_ = false;
  int depth_ = 0;
  bool timedOut_ = false;
  std::mutex wdMutex_;
  std::condition_variable wdCv_;
  bool wdCancel_ = false;

  // The instruction hook (setInsnHook): in/out/syscall/sysenter and watched code addresses.
  Napi::FunctionReference insnFn_;
  bool hasInsnHook_ = false;
  std::map<uint64_t, uc_hook> watches_;
  // CPUID answers replacing the CPU model's for whole leaves (setCpuid); the hook is added once.
  std::map<uint32_t, std::array<uint32_t, 4>> cpuid_;
  bool hasCpuidHook_ = false;

  bool Check(Napi::Env env) {
    if (!uc_ || broken_) {
      Napi::Error::New(env, broken_ ? "the CPU engine aborted earlier and cannot be used" : "engine is closed").ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  static bool ThrowUc(Napi::Env env, const char* what, uc_err err) {
    Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + uc_strerror(err));
    e.Set("ucError", Napi::Number::New(env, err));
    e.ThrowAsJavaScriptException();
    return false;
  }

  static bool GetU64(const Napi::Value& v, uint64_t* out) {
    if (v.IsBigInt()) {
      bool lossless;
      *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
      return true;
    }
    if (v.IsNumber()) {
      *out = static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
      return true;
    }
    return false;
  }

  // A hook's result as 64 bits (bigint, or a number taken as a 64-bit two's complement value);
  // false for anything else (undefined: the routine returns nothing).
  static bool ResultU64(napi_env env, napi_value v, uint64_t* out) {
    napi_valuetype t;
    if (napi_typeof(env, v, &t) != napi_ok) return false;
    if (t == napi_bigint) {
      bool lossless;
      return napi_get_value_bigint_uint64(env, v, out, &lossless) == napi_ok;
    }
    if (t == napi_number) {
      int64_t i;
      if (napi_get_value_int64(env, v, &i) != napi_ok) return false;
      *out = static_cast<uint64_t>(i);
      return true;
    }
    return false;
  }

  uint64_t ArgU64(const Napi::CallbackInfo& info, size_t i, bool* ok) {
    uint64_t v = 0;
    if (i >= info.Length() || !GetU64(info[i], &v)) {
      Napi::TypeError::New(info.Env(), "expected a bigint or number argument").ThrowAsJavaScriptException();
      *ok = false;
    }
    return v;
  }

  Napi::Value MapMemory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), size = ok ? ArgU64(info, 1, &ok) : 0, perms = ok ? ArgU64(info, 2, &ok) : 0;
    if (!ok) return env.Undefined();
    uc_err err = uc_mem_map(uc_, addr, size, static_cast<uint32_t>(perms));
    if (err != UC_ERR_OK) ThrowUc(env, "uc_mem_map", err);
    return env.Undefined();
  }

  Napi::Value UnmapMemory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), size = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    uc_err err = uc_mem_unmap(uc_, addr, size);
    if (err != UC_ERR_OK) return ThrowUc(env, "uc_mem_unmap", err), env.Undefined();
    // A mapHost range (partly) unmapped is no longer read directly.
    for (size_t i = hostRegions_.size(); i-- > 0;) {
      const HostRegion& r = hostRegions_[i];
      if (r.base < addr + size && addr < r.base + r.size) hostRegions_.erase(hostRegions_.begin() + i);
    }
    hostHit_ = 0;
    return env.Undefined();
  }

  Napi::Value Protect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), size = ok ? ArgU64(info, 1, &ok) : 0, perms = ok ? ArgU64(info, 2, &ok) : 0;
    if (!ok) return env.Undefined();
    uc_err err = uc_mem_protect(uc_, addr, size, static_cast<uint32_t>(perms));
    if (err != UC_ERR_OK) ThrowUc(env, "uc_mem_protect", err);
    return env.Undefined();
  }

  // read(addr, size) → Uint8Array, or throws (ucError set) when any byte is unmapped.
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), size = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, static_cast<size_t>(size));
    if (size) {
      uc_err err = Access(addr, static_cast<uint8_t*>(ab.Data()), static_cast<size_t>(size), false);
      if (err != UC_ERR_OK) {
        ThrowUc(env, "uc_mem_read", err);
        return env.Undefined();
      }
    }
    return Napi::Uint8Array::New(env, static_cast<size_t>(size), ab, 0);
  }

  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok);
    if (!ok) return env.Undefined();
    if (info.Length() < 2 || !info[1].IsTypedArray()) {
      Napi::TypeError::New(env, "write(addr, Uint8Array)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
    if (data.ByteLength()) {
      uc_err err = Access(addr, data.Data(), data.ByteLength(), true);
      if (err != UC_ERR_OK) ThrowUc(env, "uc_mem_write", err);
    }
    return env.Undefined();
  }

  // Copy between `buf` and guest memory [addr, addr+size): soft regions directly (every page must
  // be mapped; nothing is copied otherwise), the rest through uc_mem_read/uc_mem_write.
  uc_err Access(uint64_t addr, uint8_t* buf, size_t size, bool write) {
    const uc_err unmapped = write ? UC_ERR_WRITE_UNMAPPED : UC_ERR_READ_UNMAPPED;
    if (soft_.empty()) return write ? uc_mem_write(uc_, addr, buf, size) : uc_mem_read(uc_, addr, buf, size);
    if (addr + size < addr) return unmapped;
    for (int pass = 0; pass < 2; pass++) {
      uint64_t a = addr;
      size_t left = size;
      uint8_t* b = buf;
      while (left) {
        SoftRegion* r = SoftAt(a);
        size_t n = left;
        if (r) {
          uint64_t off = a - r->base;
          if (r->size - off < n) n = static_cast<size_t>(r->size - off);
          bool exec = false;
          for (uint64_t p = off >> 12; p <= (off + n - 1) >> 12; p++) {
            if (!(r->perms[p] & PRESENT)) return unmapped;
            exec |= (r->perms[p] & UC_PROT_EXEC) != 0;
          }
          if (pass == 1) {
            if (write) {
              memcpy(r->host + off, b, n);
              // Translated code of these pages is stale now (Unicorn did not see this store).
              if (exec) uc_ctl_remove_cache(uc_, a, a + n);
            } else {
              memcpy(b, r->host + off, n);
            }
          }
        } else {
          for (auto& s : soft_)
            if (s.base > a && s.base - a < n) n = static_cast<size_t>(s.base - a);
          // Pass 0 checks the non-soft pieces with a zero-cost probe: a read of their first and last byte.
          uint8_t probe;
          if (pass == 0) {
            if (uc_mem_read(uc_, a, &probe, 1) != UC_ERR_OK || uc_mem_read(uc_, a + n - 1, &probe, 1) != UC_ERR_OK) return unmapped;
          } else {
            uc_err e = write ? uc_mem_write(uc_, a, b, n) : uc_mem_read(uc_, a, b, n);
            if (e != UC_ERR_OK) return e;
          }
        }
        a += n;
        b += n;
        left -= n;
      }
    }
    return UC_ERR_OK;
  }

  // softMap(base, size): a soft-protected region (see SoftRegion), every page unmapped at first.
  Napi::Value SoftMap(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t base = ArgU64(info, 0, &ok), size = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    if (size == 0 || (size & 0xfff) || (base & 0xfff) || base + size < base) return ThrowUc(env, "softMap", UC_ERR_ARG), env.Undefined();
    void* host = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) return ThrowUc(env, "softMap", UC_ERR_NOMEM), env.Undefined();
    uc_err err = uc_mem_map_ptr(uc_, base, size, UC_PROT_NONE, host);
    if (err != UC_ERR_OK) {
      munmap(host, size);
      return ThrowUc(env, "uc_mem_map_ptr", err), env.Undefined();
    }
    uint8_t* perms = static_cast<uint8_t*>(calloc(size >> 12, 1));
    if (!perms) {
      uc_mem_unmap(uc_, base, size);
      munmap(host, size);
      return ThrowUc(env, "softMap", UC_ERR_NOMEM), env.Undefined();
    }
    soft_.push_back(SoftRegion{base, size, static_cast<uint8_t*>(host), perms});
    return env.Undefined();
  }

  // softAlias(addr, src, size, perms): a new soft region at addr whose memory is the memory of
  // [src, src+size) in an existing soft region (not an alias itself) or mapHost region (pool,
  // stacks; the engine keeps its ArrayBuffer alive): both ranges show the same
  // bytes, each with its own page rights (every page of the alias gets `perms`). Used for a
  // second system mapping of an MDL's pages (MmMapLockedPagesSpecifyCache of image pages).
  Napi::Value SoftAlias(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), src = ok ? ArgU64(info, 1, &ok) : 0, size = ok ? ArgU64(info, 2, &ok) : 0;
    uint64_t perms = ok && info.Length() > 3 ? ArgU64(info, 3, &ok) : 0;
    if (!ok) return env.Undefined();
    if (size == 0 || ((addr | src | size) & 0xfff) || addr + size < addr || perms > UC_PROT_ALL) return ThrowUc(env, "softAlias", UC_ERR_ARG), env.Undefined();
    // The source: a soft region (not an alias) or a mapHost region, holding the whole range.
    uint8_t* host = nullptr;
    SoftRegion* r = SoftAt(src);
    if (r && !r->alias && size <= r->size - (src - r->base)) host = r->host + (src - r->base);
    for (const HostRegion& h : hostRegions_)
      if (!host && src - h.base < h.size && size <= h.size - (src - h.base)) host = h.host + (src - h.base);
    if (!host) return ThrowUc(env, "softAlias", UC_ERR_ARG), env.Undefined();
    for (auto& s : soft_)
      if (addr < s.base + s.size && s.base < addr + size) return ThrowUc(env, "softAlias", UC_ERR_MAP), env.Undefined();
    uint8_t* pp = static_cast<uint8_t*>(malloc(size >> 12));
    if (!pp) return ThrowUc(env, "softAlias", UC_ERR_NOMEM), env.Undefined();
    memset(pp, PRESENT | static_cast<uint8_t>(perms), size >> 12);
    uc_err err = uc_mem_map_ptr(uc_, addr, size, UC_PROT_NONE, host);
    if (err != UC_ERR_OK) {
      free(pp);
      return ThrowUc(env, "uc_mem_map_ptr", err), env.Undefined();
    }
    SoftRegion a{addr, size, host, pp};
    a.alias = true;
    a.origin = src;
    soft_.push_back(a);
    return env.Undefined();
  }

  // softUnalias(addr): remove the alias made at addr by softAlias (the original keeps its bytes).
  Napi::Value SoftUnalias(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok);
    if (!ok) return env.Undefined();
    for (size_t i = 0; i < soft_.size(); i++) {
      if (!soft_[i].alias || soft_[i].base != addr) continue;
      uc_err err = uc_mem_unmap(uc_, addr, soft_[i].size);
      if (err != UC_ERR_OK) return ThrowUc(env, "uc_mem_unmap", err), env.Undefined();
      uc_ctl_remove_cache(uc_, addr, addr + soft_[i].size);
      free(soft_[i].perms);
      soft_.erase(soft_.begin() + static_cast<long>(i));
      return env.Undefined();
    }
    return ThrowUc(env, "softUnalias", UC_ERR_ARG), env.Undefined();
  }

  // mapHost(addr, arrayBuffer, perms): a Unicorn region whose memory is the ArrayBuffer's (the
  // engine keeps it alive until close), so JS reads and writes it directly, without a call here.
  Napi::Value MapHost(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), perms = ok && info.Length() > 2 ? ArgU64(info, 2, &ok) : 0;
    if (!ok) return env.Undefined();
    if (info.Length() < 2 || !info[1].IsArrayBuffer()) return Napi::TypeError::New(env, "mapHost(addr, ArrayBuffer, perms)").ThrowAsJavaScriptException(), env.Undefined();
    Napi::ArrayBuffer ab = info[1].As<Napi::ArrayBuffer>();
    size_t size = ab.ByteLength();
    if (size == 0 || (size & 0xfff)) return ThrowUc(env, "mapHost", UC_ERR_ARG), env.Undefined();
    uc_err err = uc_mem_map_ptr(uc_, addr, size, static_cast<uint32_t>(perms), ab.Data());
    if (err != UC_ERR_OK) return ThrowUc(env, "uc_mem_map_ptr", err), env.Undefined();
    hostBuffers_.push_back(Napi::Reference<Napi::ArrayBuffer>::New(ab, 1));
    hostRegions_.push_back(HostRegion{addr, size, static_cast<uint8_t*>(ab.Data())});
    return env.Undefined();
  }

  // softProtect(addr, size, perms): pages of a soft region get UC_PROT_* rights (0 = mapped, no
  // access), or with perms -1 become unmapped (their memory is released and reads back as zeros).
  Napi::Value SoftProtect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), size = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    int perms = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -2;
    SoftRegion* r = SoftAt(addr);
    if (perms < -1 || perms > UC_PROT_ALL || (addr & 0xfff) || (size & 0xfff) || !r || size > r->size - (addr - r->base))
      return ThrowUc(env, "softProtect", UC_ERR_ARG), env.Undefined();
    uint64_t first = (addr - r->base) >> 12, count = size >> 12;
    bool lostExec = false;
    for (uint64_t p = first; p < first + count; p++) {
      uint8_t now = perms < 0 ? 0 : static_cast<uint8_t>(PRESENT | perms);
      if ((r->perms[p] & UC_PROT_EXEC) && !(now & UC_PROT_EXEC)) lostExec = true;
      r->perms[p] = now;
    }
    if (perms < 0 && size && !r->alias) madvise(r->host + (addr - r->base), size, MADV_DONTNEED);
    // Code translated from a page that is no longer executable must not run again.
    if (lostExec && size) uc_ctl_remove_cache(uc_, addr, addr + size);
    return env.Undefined();
  }

  // softSuspend(addr, size, on): the present pages of a soft region become inaccessible to the
  // guest (a protection fault), keeping their rights, or accessible again. Host reads and writes
  // are unaffected. Suspending executable pages drops their translated code, so a later fetch
  // faults too.
  Napi::Value SoftSuspend(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t addr = ArgU64(info, 0, &ok), size = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    bool on = info.Length() > 2 && info[2].ToBoolean().Value();
    SoftRegion* r = SoftAt(addr);
    if ((addr & 0xfff) || (size & 0xfff) || !r || size > r->size - (addr - r->base)) return ThrowUc(env, "softSuspend", UC_ERR_ARG), env.Undefined();
    uint64_t first = (addr - r->base) >> 12, count = size >> 12;
    bool exec = false;
    for (uint64_t p = first; p < first + count; p++) {
      if (!(r->perms[p] & PRESENT)) continue;
      if (on) {
        exec |= (r->perms[p] & UC_PROT_EXEC) != 0 && !(r->perms[p] & SUSPENDED);
        r->perms[p] |= SUSPENDED;
      } else {
        r->perms[p] &= static_cast<uint8_t>(~SUSPENDED);
      }
    }
    if (exec && size) uc_ctl_remove_cache(uc_, addr, addr + size);
    return env.Undefined();
  }

  Napi::Value RegRead(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    int id = info[0].As<Napi::Number>().Int32Value();
    uint64_t v = 0;
    uc_err err = uc_reg_read(uc_, id, &v);
    if (err != UC_ERR_OK) {
      ThrowUc(env, "uc_reg_read", err);
      return env.Undefined();
    }
    return Napi::BigInt::New(env, v);
  }

  Napi::Value RegWrite(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    int id = info[0].As<Napi::Number>().Int32Value();
    bool ok = true;
    uint64_t v = ArgU64(info, 1, &ok);
    if (!ok) return env.Undefined();
    uc_err err = uc_reg_write(uc_, id, &v);
    if (err != UC_ERR_OK) ThrowUc(env, "uc_reg_write", err);
    return env.Undefined();
  }

  Napi::Value RegReadMany(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    Napi::Array ids = info[0].As<Napi::Array>();
    Napi::Array out = Napi::Array::New(env, ids.Length());
    for (uint32_t i = 0; i < ids.Length(); i++) {
      int id = ids.Get(i).As<Napi::Number>().Int32Value();
      uint64_t v = 0;
      uc_reg_read(uc_, id, &v);
      out.Set(i, Napi::BigInt::New(env, v));
    }
    return out;
  }

  Napi::Value RegWriteMany(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    Napi::Array ids = info[0].As<Napi::Array>();
    Napi::Array vals = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < ids.Length() && i < vals.Length(); i++) {
      int id = ids.Get(i).As<Napi::Number>().Int32Value();
      uint64_t v = 0;
      if (!GetU64(vals.Get(i), &v)) continue;
      uc_reg_write(uc_, id, &v);
    }
    return env.Undefined();
  }

  // setGdtr(base, limit): x86 descriptor table register (segment selectors written afterwards
  // load their base and limit from that table, as fs does for the KPCR in 32-bit mode).
  Napi::Value SetGdtr(const Napi::CallbackInfo& info) { return SetTableRegister(info, UC_X86_REG_GDTR, "setGdtr", "uc_reg_write(GDTR)"); }

  // setIdtr(base, limit): x86 interrupt descriptor table register, what sidt stores (drivers read
  // it to find the IDT and from a handler ntoskrnl's image). kmdll delivers no interrupt through it.
  Napi::Value SetIdtr(const Napi::CallbackInfo& info) { return SetTableRegister(info, UC_X86_REG_IDTR, "setIdtr", "uc_reg_write(IDTR)"); }

  // GDTR/IDTR: a base and a 32-bit limit (uc_x86_mmr), x86/x64 engines only.
  Napi::Value SetTableRegister(const Napi::CallbackInfo& info, int reg, const char* name, const char* what) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    if (mode_ == MODE_ARM64) return Napi::Error::New(env, std::string(name) + ": not an x86 engine").ThrowAsJavaScriptException(), env.Undefined();
    bool ok = true;
    uint64_t base = ArgU64(info, 0, &ok), limit = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    uc_x86_mmr mmr = {};
    mmr.base = base;
    mmr.limit = static_cast<uint32_t>(limit);
    uc_err err = uc_reg_write(uc_, reg, &mmr);
    if (err != UC_ERR_OK) ThrowUc(env, what, err);
    return env.Undefined();
  }

  // setInsnHook(fn(kind, address, port, size, value) → number | bigint | undefined), x86/x64 only.
  // kind: 0 = in (the result is the value read), 1 = out, 2 = syscall, 3 = sysenter, 4 = a code
  // address given to watchCode was reached (an instruction starts there; the callback may write
  // RIP to resume elsewhere). address: RIP as Unicorn has it in the hook — exact for syscall,
  // sysenter and watched code; for in/out Unicorn 2.0.1 does not sync the PC before the I/O
  // helper, so it is the start of the translation block holding the instruction. syscall and
  // sysenter do nothing else (execution goes on after them).
  Napi::Value SetInsnHook(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    if (mode_ == MODE_ARM64) return Napi::Error::New(env, "setInsnHook: not an x86 engine").ThrowAsJavaScriptException(), env.Undefined();
    if (info.Length() < 1 || !info[0].IsFunction()) return Napi::TypeError::New(env, "setInsnHook(fn)").ThrowAsJavaScriptException(), env.Undefined();
    insnFn_ = Napi::Weak(info[0].As<Napi::Function>());
    if (hasInsnHook_) return env.Undefined();
    uc_hook h;
    uc_err err = uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::OnIn), this, 1, 0, UC_X86_INS_IN);
    if (err == UC_ERR_OK) err = uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::OnOut), this, 1, 0, UC_X86_INS_OUT);
    if (err == UC_ERR_OK) err = uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::OnSyscall), this, 1, 0, UC_X86_INS_SYSCALL);
    if (err == UC_ERR_OK) err = uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::OnSysenter), this, 1, 0, UC_X86_INS_SYSENTER);
    if (err != UC_ERR_OK) return ThrowUc(env, "uc_hook_add(insn)", err), env.Undefined();
    hasInsnHook_ = true;
    return env.Undefined();
  }

  // watchCode(address): call the instruction hook (kind 4) when an instruction starting at
  // `address` is about to run. unwatchCode(address) removes it.
  Napi::Value WatchCode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t a = ArgU64(info, 0, &ok);
    if (!ok || watches_.count(a)) return env.Undefined();
    uc_hook h;
    uc_err err = uc_hook_add(uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&Engine::OnWatch), this, a, a);
    if (err != UC_ERR_OK) return ThrowUc(env, "uc_hook_add(code)", err), env.Undefined();
    watches_[a] = h;
    return env.Undefined();
  }

  Napi::Value UnwatchCode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t a = ArgU64(info, 0, &ok);
    if (!ok) return env.Undefined();
    auto it = watches_.find(a);
    if (it != watches_.end()) {
      uc_hook_del(uc_, it->second);
      watches_.erase(it);
    }
    return env.Undefined();
  }

  // Calls the instruction hook; the JS result as a number (0 when none), or stops emulation with
  // the callback's exception pending (re-thrown by start()).
  uint64_t CallInsn(uc_engine* uc, int kind, uint64_t port, int size, uint64_t value) {
    if (hasPending_) return 0;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Function fn = insnFn_.Value();
    if (fn.IsEmpty()) return 0;
    uint64_t pc = 0;
    uc_reg_read(uc, mode_ == MODE_X64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &pc);
    napi_value args[5] = {Napi::Number::New(env, kind), Napi::BigInt::New(env, pc), Napi::BigInt::New(env, port),
                          Napi::Number::New(env, size), Napi::BigInt::New(env, value)};
    napi_value result;
    if (napi_call_function(env, env.Undefined(), fn, 5, args, &result) != napi_ok) {
      if (env.IsExceptionPending()) {
        Napi::Error e = env.GetAndClearPendingException();
        pending_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
      } else {
        pending_ = Napi::Reference<Napi::Value>::New(Napi::Error::New(env, "instruction hook failed").Value(), 1);
      }
      hasPending_ = true;
      uc_emu_stop(uc);
      return 0;
    }
    uint64_t v = 0;
    if (!GetU64(Napi::Value(env, result), &v)) v = 0;
    return v;
  }

  static uint32_t OnIn(uc_engine* uc, uint32_t port, int size, void* user) {
    return static_cast<uint32_t>(static_cast<Engine*>(user)->CallInsn(uc, 0, port, size, 0));
  }
  static void OnOut(uc_engine* uc, uint32_t port, int size, uint32_t value, void* user) {
    static_cast<Engine*>(user)->CallInsn(uc, 1, port, size, value);
  }
  static void OnSyscall(uc_engine* uc, void* user) { static_cast<Engine*>(user)->CallInsn(uc, 2, 0, 0, 0); }
  static void OnSysenter(uc_engine* uc, void* user) { static_cast<Engine*>(user)->CallInsn(uc, 3, 0, 0, 0); }
  // x86/x64 CPUID: a leaf set with setCpuid answers its four registers (the instruction is then
  // skipped, uc_cb_insn_cpuid_t returning 1); other leaves run the CPU model's CPUID.
  static int OnCpuid(uc_engine* uc, void* user) {
    Engine* self = static_cast<Engine*>(user);
    uint64_t leaf = 0;
    uc_reg_read(uc, self->mode_ == MODE_X64 ? UC_X86_REG_RAX : UC_X86_REG_EAX, &leaf);
    auto it = self->cpuid_.find(static_cast<uint32_t>(leaf));
    if (it == self->cpuid_.end()) return 0;
    const int regs[4] = {UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX};
    const int regs32[4] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX};
    for (int i = 0; i < 4; i++) {
      uint64_t v = it->second[i];  // CPUID zero-extends into the 64-bit registers
      uc_reg_write(uc, self->mode_ == MODE_X64 ? regs[i] : regs32[i], &v);
    }
    return 1;
  }

  // setCpuid(leaf, eax, ebx, ecx, edx): CPUID of `leaf` (any subleaf) answers these (x86/x64).
  Napi::Value SetCpuid(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    if (mode_ == MODE_ARM64) return Napi::TypeError::New(env, "setCpuid: x86/x64 only").ThrowAsJavaScriptException(), env.Undefined();
    if (info.Length() < 5) return Napi::TypeError::New(env, "setCpuid(leaf, eax, ebx, ecx, edx)").ThrowAsJavaScriptException(), env.Undefined();
    std::array<uint32_t, 4> v{};
    for (int i = 0; i < 5; i++)
      if (!info[i].IsNumber()) return Napi::TypeError::New(env, "setCpuid: numbers expected").ThrowAsJavaScriptException(), env.Undefined();
    for (int i = 0; i < 4; i++) v[i] = info[i + 1].As<Napi::Number>().Uint32Value();
    if (!hasCpuidHook_) {
      uc_hook h;
      uc_err err = uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::OnCpuid), this, 1, 0, UC_X86_INS_CPUID);
      if (err != UC_ERR_OK) return ThrowUc(env, "uc_hook_add(cpuid)", err), env.Undefined();
      hasCpuidHook_ = true;
    }
    cpuid_[info[0].As<Napi::Number>().Uint32Value()] = v;
    return env.Undefined();
  }
  static void OnWatch(uc_engine* uc, uint64_t address, uint32_t, void* user) {
    static_cast<Engine*>(user)->CallInsn(uc, 4, address, 0, 0);
  }

  // setApiHook(begin, end, fn(address, rcx, rdx, r8, r9, rsp, returnAddress) → bigint | number | undefined)
  // setApiHook(begin, end, fn(offset, slot) → …, regs: BigUint64Array(8·n)): the fast form. Before
  // each call regs[8·slot …] holds [address, rcx, rdx, r8, r9, rsp, returnAddress]; offset =
  // address - begin; slot = the nesting depth of hook calls modulo n.
  Napi::Value SetApiHook(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t begin = ArgU64(info, 0, &ok), end = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    bool fast = info.Length() > 3 && info[3].IsTypedArray();
    if (fast && (info[3].As<Napi::TypedArray>().TypedArrayType() != napi_biguint64_array || info[3].As<Napi::TypedArray>().ElementLength() < 8)) {
      Napi::TypeError::New(env, "setApiHook: regs must be a BigUint64Array of 8·n elements").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (hasApiHook_) {
      uc_hook_del(uc_, apiHook_);
      hasApiHook_ = false;
    }
    // A weak reference: the caller keeps the function alive. A strong one would make a cycle
    // through a GC root (engine → callback → emulator → engine) and the engine would never be freed.
    apiHookFn_ = Napi::Weak(info[2].As<Napi::Function>());
    hookGen_++;
    hookRegs_ = nullptr;
    hookRegsRef_.Reset();
    if (fast) {
      Napi::BigUint64Array regs = info[3].As<Napi::BigUint64Array>();
      hookRegs_ = regs.Data();
      hookSlots_ = regs.ElementLength() / 8;
      hookRegsRef_ = Napi::Reference<Napi::Value>::New(regs, 1);
      hookBegin_ = begin;
    }
    uc_err err = uc_hook_add(uc_, &apiHook_, UC_HOOK_CODE, reinterpret_cast<void*>(&Engine::OnCode), this, begin, end);
    if (err != UC_ERR_OK) return ThrowUc(env, "uc_hook_add", err), env.Undefined();
    hasApiHook_ = true;
    return env.Undefined();
  }

  // The hook's registers: a0-a3, the stack pointer and the return address (see the header comment).
  void HookRegisters(uc_engine* uc, uint64_t r[5], uint64_t* ret) {
    *ret = 0;
    if (mode_ == MODE_X64) {
      static int ids[5] = {UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_RSP};
      void* out[5] = {&r[0], &r[1], &r[2], &r[3], &r[4]};
      uc_reg_read_batch(uc, ids, out, 5);
      // The return address at [rsp] (the caller), or 0 when the stack is not readable.
      if (!ReadHost(r[4], ret, sizeof *ret) && uc_mem_read(uc, r[4], ret, sizeof *ret) != UC_ERR_OK) *ret = 0;
    } else if (mode_ == MODE_X86) {
      static int ids[3] = {UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_ESP};
      uint32_t v[3] = {0, 0, 0};
      void* out[3] = {&v[0], &v[1], &v[2]};
      uc_reg_read_batch(uc, ids, out, 3);
      r[0] = v[0];
      r[1] = v[1];
      r[2] = 0;
      r[3] = 0;
      r[4] = v[2];
      uint32_t ret32 = 0;
      if (ReadHost(r[4], &ret32, sizeof ret32) || uc_mem_read(uc, r[4], &ret32, sizeof ret32) == UC_ERR_OK) *ret = ret32;
    } else {
      static int ids[6] = {UC_ARM64_REG_X0, UC_ARM64_REG_X1, UC_ARM64_REG_X2, UC_ARM64_REG_X3, UC_ARM64_REG_SP, UC_ARM64_REG_X30};
      uint64_t v[6] = {0, 0, 0, 0, 0, 0};
      void* out[6] = {&v[0], &v[1], &v[2], &v[3], &v[4], &v[5]};
      uc_reg_read_batch(uc, ids, out, 6);
      for (int i = 0; i < 5; i++) r[i] = v[i];
      *ret = v[5];
    }
  }

  // A hook call whose function failed: keep its exception for start() and stop the engine.
  void HookFailed(uc_engine* uc, Napi::Env env) {
    if (env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      pending_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
    } else {
      pending_ = Napi::Reference<Napi::Value>::New(Napi::Error::New(env, "api hook failed").Value(), 1);
    }
    hasPending_ = true;
    uc_emu_stop(uc);
  }

  void SetResult(uc_engine* uc, napi_env env, napi_value result) {
    uint64_t v;
    if (!ResultU64(env, result, &v)) return;
    if (mode_ == MODE_X64) {
      uc_reg_write(uc, UC_X86_REG_RAX, &v);
    } else if (mode_ == MODE_X86) {
      uint32_t lo = static_cast<uint32_t>(v), hi = static_cast<uint32_t>(v >> 32);
      uc_reg_write(uc, UC_X86_REG_EAX, &lo);
      uc_reg_write(uc, UC_X86_REG_EDX, &hi);
    } else {
      uc_reg_write(uc, UC_ARM64_REG_X0, &v);
    }
  }

  // Handle scopes of the fast hook, one per start() nesting depth: opening and closing a scope
  // costs a heap allocation in Node's N-API, so one scope serves up to kHookBatch calls (with the
  // hook function and `undefined` looked up once for them). Between two hook calls at the same
  // depth no other scope stays open (nested start() calls close theirs before they return), so
  // the batch's scope is the innermost whenever it is closed; start() closes it before returning.
  static constexpr unsigned kHookBatch = 256;
  static constexpr int kBatchDepths = 64;
  struct HookBatch {
    napi_handle_scope scope = nullptr;
    napi_value fn = nullptr;
    napi_value undef = nullptr;
    unsigned count = 0;
    unsigned gen = 0;
  };
  HookBatch batches_[kBatchDepths];
  // Bumped by setApiHook: a batch opened before holds the previous function.
  unsigned hookGen_ = 0;

  void CloseBatch(napi_env env, int depth) {
    if (depth < 0 || depth >= kBatchDepths) return;
    HookBatch& b = batches_[depth];
    if (b.scope) napi_close_handle_scope(env, b.scope);
    b.scope = nullptr;
    b.fn = nullptr;
  }

  static void OnCode(uc_engine* uc, uint64_t address, uint32_t, void* user) {
    Engine* self = static_cast<Engine*>(user);
    if (self->hasPending_) return;  // already stopping
    if (self->hookRegs_ && self->depth_ < kBatchDepths) return self->OnCodeFast(uc, address);
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    uint64_t r[5];
    uint64_t ret;
    self->HookRegisters(uc, r, &ret);
    napi_value result;
    Napi::Function fn = self->apiHookFn_.Value();
    if (fn.IsEmpty()) return;  // the owner was collected
    napi_status st;
    if (self->hookRegs_) {
      size_t slot = self->hookDepth_ % self->hookSlots_;
      uint64_t* regs = self->hookRegs_ + 8 * slot;
      regs[0] = address;
      for (int i = 0; i < 5; i++) regs[i + 1] = r[i];
      regs[6] = ret;
      napi_value args[2];
      napi_create_double(env, static_cast<double>(address - self->hookBegin_), &args[0]);
      napi_create_uint32(env, static_cast<uint32_t>(slot), &args[1]);
      self->hookDepth_++;
      st = napi_call_function(env, env.Undefined(), fn, 2, args, &result);
      self->hookDepth_--;
    } else {
      napi_value args[7] = {Napi::BigInt::New(env, address), Napi::BigInt::New(env, r[0]), Napi::BigInt::New(env, r[1]),
                            Napi::BigInt::New(env, r[2]),  Napi::BigInt::New(env, r[3]), Napi::BigInt::New(env, r[4]),
                            Napi::BigInt::New(env, ret)};
      st = napi_call_function(env, env.Undefined(), fn, 7, args, &result);
    }
    if (st != napi_ok) return self->HookFailed(uc, env);
    self->SetResult(uc, env, result);
  }

  // The fast form (setApiHook with a regs array): registers into the row of this nesting depth,
  // the function called with (offset, slot) inside the depth's batched handle scope.
  void OnCodeFast(uc_engine* uc, uint64_t address) {
    napi_env env = Env();
    HookBatch* b = &batches_[depth_];
    if (b->scope && (b->count >= kHookBatch || b->gen != hookGen_)) CloseBatch(env, depth_);
    if (!b->scope) {
      if (napi_open_handle_scope(env, &b->scope) != napi_ok) {
        b->scope = nullptr;
        return;
      }
      b->count = 0;
      b->gen = hookGen_;
      napi_value fn = apiHookFn_.Value();
      if (fn == nullptr) return CloseBatch(env, depth_);  // the owner was collected
      b->fn = fn;
      napi_get_undefined(env, &b->undef);
    }
    b->count++;
    size_t slot = hookDepth_ % hookSlots_;
    uint64_t* regs = hookRegs_ + 8 * slot;
    uint64_t r[5];
    uint64_t ret;
    HookRegisters(uc, r, &ret);
    regs[0] = address;
    for (int i = 0; i < 5; i++) regs[i + 1] = r[i];
    regs[6] = ret;
    napi_value args[2], result;
    napi_create_double(env, static_cast<double>(address - hookBegin_), &args[0]);
    napi_create_uint32(env, static_cast<uint32_t>(slot), &args[1]);
    hookDepth_++;
    napi_status st = napi_call_function(env, b->undef, b->fn, 2, args, &result);
    hookDepth_--;
    if (st != napi_ok) return HookFailed(uc, Napi::Env(env));
    SetResult(uc, env, result);
  }

  // setBlockHook(begin, end): record every basic block whose start is in [begin, end] (end
  // inclusive); setBlockHook(0, 0) removes the hook. takeBlocks() → BigUint64Array of (start,
  // size) pairs seen since the last call, and forgets them.
  Napi::Value SetBlockHook(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t begin = ArgU64(info, 0, &ok), end = ok ? ArgU64(info, 1, &ok) : 0;
    if (!ok) return env.Undefined();
    if (hasBlockHook_) {
      uc_hook_del(uc_, blockHook_);
      hasBlockHook_ = false;
    }
    blocks_.clear();
    if (begin == 0 && end == 0) return env.Undefined();
    uc_err err = uc_hook_add(uc_, &blockHook_, UC_HOOK_BLOCK, reinterpret_cast<void*>(&Engine::OnBlock), this, begin, end);
    if (err != UC_ERR_OK) return ThrowUc(env, "uc_hook_add(block)", err), env.Undefined();
    hasBlockHook_ = true;
    return env.Undefined();
  }

  Napi::Value TakeBlocks(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::BigUint64Array out = Napi::BigUint64Array::New(env, blocks_.size() * 2);
    size_t i = 0;
    for (const auto& b : blocks_) {
      out[i++] = b.first;
      out[i++] = b.second;
    }
    blocks_.clear();
    return out;
  }

  static void OnBlock(uc_engine*, uint64_t address, uint32_t size, void* user) {
    Engine* self = static_cast<Engine*>(user);
    if (self->blocks_.size() < (1u << 20)) self->blocks_.emplace(address, size);
  }

  static void OnMemNothing(uc_engine*, uc_mem_type, uint64_t, int, int64_t, void*) {}

  static bool OnInvalidMem(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* user) {
    Engine* self = static_cast<Engine*>(user);
    if (!self->soft_.empty()) {
      if (SoftRegion* r = self->SoftAt(address)) {
        uint8_t p = r->perms[(address - r->base) >> 12];
        uint8_t need = type == UC_MEM_READ_PROT ? UC_PROT_READ : type == UC_MEM_WRITE_PROT ? UC_PROT_WRITE : type == UC_MEM_FETCH_PROT ? UC_PROT_EXEC : 0;
        // Allowed: Unicorn goes on with the access (an access that spans pages comes back here
        // for the next page).
        if (need && (p & need) && !(p & SUSPENDED)) {
          // A store through an alias changes the original's bytes behind Unicorn's back: code
          // translated from the original page is stale (as for host writes in Access).
          if (r->alias && type == UC_MEM_WRITE_PROT) {
            uint64_t at = r->origin + ((address - r->base) & ~0xfffULL);
            uc_ctl_remove_cache(uc, at, at + 0x1000);
          }
          return true;
        }
        // A page that is not mapped faults as unmapped memory does.
        if (!(p & PRESENT)) {
          type = type == UC_MEM_READ_PROT ? UC_MEM_READ_UNMAPPED : type == UC_MEM_WRITE_PROT ? UC_MEM_WRITE_UNMAPPED : type == UC_MEM_FETCH_PROT ? UC_MEM_FETCH_UNMAPPED : type;
        }
      }
    }
    if (!self->fault_.valid) {
      self->fault_.valid = true;
      self->fault_.type = type;
      self->fault_.address = address;
      self->fault_.size = size;
      self->fault_.value = value;
      if (self->mode_ == MODE_X64 || self->mode_ == MODE_X86) {
        // After uc_emu_start returns, RIP is the start of the translation block; inside the hook
        // (with PC synced for memory accesses, see the memory hook in the constructor) it is the
        // faulting instruction.
        uint64_t pc = 0;
        if (uc_reg_read(uc, self->mode_ == MODE_X64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &pc) == UC_ERR_OK) {
          self->fault_.pc = pc;
          self->fault_.hasPc = true;
        }
      }
    }
    return false;
  }

  static void OnInterrupt(uc_engine* uc, uint32_t intno, void* user) {
    Engine* self = static_cast<Engine*>(user);
    if (self->interrupt_ < 0) self->interrupt_ = static_cast<int>(intno);
    uc_emu_stop(uc);
  }

  static bool OnInvalidInsn(uc_engine*, void* user) {
    Engine* self = static_cast<Engine*>(user);
    self->invalidInsn_ = true;
    return false;
  }

  // start(begin, until, timeoutMicros, count) → uc_err number. Re-throws a hook's JS exception.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    bool ok = true;
    uint64_t begin = ArgU64(info, 0, &ok), until = ok ? ArgU64(info, 1, &ok) : 0;
    uint64_t timeout = ok ? ArgU64(info, 2, &ok) : 0, count = ok ? ArgU64(info, 3, &ok) : 0;
    if (!ok) return env.Undefined();
    // Nested starts (from a hook) keep the outer run's state aside.
    Fault savedFault = fault_;
    int savedIntr = interrupt_;
    bool savedInsn = invalidInsn_;
    fault_ = Fault();
    interrupt_ = -1;
    invalidInsn_ = false;
    hasPending_ = false;
    std::thread watchdog;
    if (depth_ == 0) {
      timedOut_ = false;
      if (timeout > 0) {
        wdCancel_ = false;
        watchdog = std::thread([this, timeout]() {
          std::unique_lock<std::mutex> lock(wdMutex_);
          if (!wdCv_.wait_for(lock, std::chrono::microseconds(timeout), [this] { return wdCancel_; })) {
            timedOut_ = true;
            uc_emu_stop(uc_);
          }
        });
      }
    }
    depth_++;
    volatile int err = UC_ERR_OK;
    sigjmp_buf jb;
    sigjmp_buf* prevJmp = g_abortJmp;
    StderrCapture capture;
    if (depth_ == 1) capture.begin();
    if (sigsetjmp(jb, 1) == 0) {
      g_abortJmp = &jb;
      err = uc_emu_start(uc_, begin, until, 0, static_cast<size_t>(count));
      g_abortJmp = prevJmp;
    } else {
      g_abortJmp = prevJmp;
      broken_ = true;
      err = ENGINE_ABORTED;
    }
    if (depth_ == 1) capture.end(err != ENGINE_ABORTED);
    CloseBatch(env, depth_);
    depth_--;
    if (watchdog.joinable()) {
      {
        std::lock_guard<std::mutex> lock(wdMutex_);
        wdCancel_ = true;
      }
      wdCv_.notify_all();
      watchdog.join();
    }
    // A soft page that is not mapped stops Unicorn with a protection error: report it as unmapped.
    if (fault_.valid && (err == UC_ERR_READ_PROT || err == UC_ERR_WRITE_PROT || err == UC_ERR_FETCH_PROT)) {
      if (fault_.type == UC_MEM_READ_UNMAPPED) err = UC_ERR_READ_UNMAPPED;
      if (fault_.type == UC_MEM_WRITE_UNMAPPED) err = UC_ERR_WRITE_UNMAPPED;
      if (fault_.type == UC_MEM_FETCH_UNMAPPED) err = UC_ERR_FETCH_UNMAPPED;
    }
    runFault_ = fault_;
    runIntr_ = interrupt_;
    runInsn_ = invalidInsn_;
    fault_ = savedFault;
    interrupt_ = savedIntr;
    invalidInsn_ = savedInsn;
    if (hasPending_) {
      hasPending_ = false;
      Napi::Value e = pending_.Value();
      pending_.Reset();
      napi_throw(env, e);
      return env.Undefined();
    }
    return Napi::Number::New(env, static_cast<int>(err));
  }

  Fault runFault_;
  int runIntr_ = -1;
  bool runInsn_ = false;

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (uc_ && !broken_) uc_emu_stop(uc_);
    return info.Env().Undefined();
  }

  // The invalid memory access, interrupt or invalid instruction of the last completed start().
  Napi::Value LastFault(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    if (runFault_.valid) {
      o.Set("memType", Napi::Number::New(env, runFault_.type));
      o.Set("address", Napi::BigInt::New(env, runFault_.address));
      o.Set("size", Napi::Number::New(env, runFault_.size));
      o.Set("value", Napi::BigInt::New(env, runFault_.value));
      if (runFault_.hasPc) o.Set("pc", Napi::BigInt::New(env, runFault_.pc));
    }
    o.Set("interrupt", Napi::Number::New(env, runIntr_));
    o.Set("invalidInstruction", Napi::Boolean::New(env, runInsn_));
    o.Set("timedOut", Napi::Boolean::New(env, timedOut_));
    return o;
  }

  Napi::Value LastInterrupt(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), runIntr_);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (uc_) {
      if (!broken_) {
        uc_close(uc_);
        ReleaseSoft();
        hostRegions_.clear();
        hostBuffers_.clear();
      }
      uc_ = nullptr;
    }
    apiHookFn_.Reset();
    insnFn_.Reset();
    hookRegs_ = nullptr;
    hookRegsRef_.Reset();
    return info.Env().Undefined();
  }
};

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  Napi::Object regs = Napi::Object::New(env);
#define REG(n) regs.Set(#n, Napi::Number::New(env, UC_X86_REG_##n))
  REG(RAX); REG(RBX); REG(RCX); REG(RDX); REG(RSI); REG(RDI); REG(RBP); REG(RSP);
  REG(R8); REG(R9); REG(R10); REG(R11); REG(R12); REG(R13); REG(R14); REG(R15);
  REG(RIP); REG(EFLAGS); REG(GS_BASE); REG(FS_BASE); REG(CR0); REG(CR3); REG(CR4); REG(CR8);
  REG(CS); REG(SS); REG(DS); REG(ES); REG(FS); REG(GS);
#undef REG
  c.Set("regs", regs);
  // x86 (32-bit mode): the 32-bit registers (reads and writes move 4 bytes).
  Napi::Object regs32 = Napi::Object::New(env);
#define REG(n) regs32.Set(#n, Napi::Number::New(env, UC_X86_REG_##n))
  REG(EAX); REG(EBX); REG(ECX); REG(EDX); REG(ESI); REG(EDI); REG(EBP); REG(ESP);
  REG(EIP); REG(EFLAGS); REG(FS_BASE); REG(GS_BASE); REG(CR0); REG(CR3); REG(CR4);
  REG(CS); REG(SS); REG(DS); REG(ES); REG(FS); REG(GS);
#undef REG
  c.Set("regsX86", regs32);
  Napi::Object regsA = Napi::Object::New(env);
  for (int i = 0; i <= 28; i++) regsA.Set("X" + std::to_string(i), Napi::Number::New(env, UC_ARM64_REG_X0 + i));
#define REG(n) regsA.Set(#n, Napi::Number::New(env, UC_ARM64_REG_##n))
  REG(X29); REG(X30); REG(SP); REG(PC); REG(NZCV); REG(TPIDR_EL1); REG(TPIDR_EL0); REG(TPIDRRO_EL0); REG(CPACR_EL1);
#undef REG
  c.Set("regsArm64", regsA);
  Napi::Object prot = Napi::Object::New(env);
  prot.Set("NONE", Napi::Number::New(env, UC_PROT_NONE));
  prot.Set("READ", Napi::Number::New(env, UC_PROT_READ));
  prot.Set("WRITE", Napi::Number::New(env, UC_PROT_WRITE));
  prot.Set("EXEC", Napi::Number::New(env, UC_PROT_EXEC));
  prot.Set("ALL", Napi::Number::New(env, UC_PROT_ALL));
  c.Set("prot", prot);
  Napi::Object mem = Napi::Object::New(env);
#define MEM(n) mem.Set(#n, Napi::Number::New(env, UC_MEM_##n))
  MEM(READ_UNMAPPED); MEM(WRITE_UNMAPPED); MEM(FETCH_UNMAPPED);
  MEM(READ_PROT); MEM(WRITE_PROT); MEM(FETCH_PROT);
#undef MEM
  c.Set("mem", mem);
  Napi::Object err = Napi::Object::New(env);
#define ERR(n) err.Set(#n, Napi::Number::New(env, UC_ERR_##n))
  ERR(OK); ERR(READ_UNMAPPED); ERR(WRITE_UNMAPPED); ERR(FETCH_UNMAPPED); ERR(READ_PROT); ERR(WRITE_PROT);
  ERR(FETCH_PROT); ERR(INSN_INVALID); ERR(EXCEPTION); ERR(READ_UNALIGNED); ERR(WRITE_UNALIGNED); ERR(FETCH_UNALIGNED);
#undef ERR
  err.Set("ENGINE_ABORTED", Napi::Number::New(env, ENGINE_ABORTED));
  c.Set("err", err);
  unsigned int major = 0, minor = 0;
  uc_version(&major, &minor);
  c.Set("version", Napi::String::New(env, std::to_string(major) + "." + std::to_string(minor)));
  // Capabilities of this build (older builds lack the key): "fastApiHook" = setApiHook's regs form.
  Napi::Array features = Napi::Array::New(env);
  features.Set(uint32_t(0), Napi::String::New(env, "fastApiHook"));
  // "insnHook": setInsnHook / watchCode / unwatchCode.
  features.Set(uint32_t(1), Napi::String::New(env, "insnHook"));
  // "blockHook": setBlockHook / takeBlocks (basic-block coverage).
  features.Set(features.Length(), Napi::String::New(env, "blockHook"));
  // "softRegions": softMap / softProtect; "mapHost": mapHost.
  features.Set(features.Length(), Napi::String::New(env, "softRegions"));
  features.Set(features.Length(), Napi::String::New(env, "mapHost"));
  // "softSuspend": softSuspend (pageable memory at DISPATCH_LEVEL, Driver Verifier).
  features.Set(features.Length(), Napi::String::New(env, "softSuspend"));
  // "softAlias": softAlias / softUnalias (a second guest range over a soft region's memory).
  features.Set(features.Length(), Napi::String::New(env, "softAlias"));
  // "cpuModel": new Engine(mode, UC_CPU_X86_* model) sets the CPU model (uc_ctl_set_cpu_model);
  // setCpuid(leaf, eax, ebx, ecx, edx) replaces a CPUID leaf's answer.
  features.Set(features.Length(), Napi::String::New(env, "cpuModel"));
  // "arm64CpuModel": the model is set for ARM64 engines too (UC_CPU_ARM64_MAX: LSE atomics).
  features.Set(features.Length(), Napi::String::New(env, "arm64CpuModel"));
  c.Set("features", features);
  return c;
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("Engine", Engine::Init(env));
  exports.Set("constants", Constants(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(kmdll_unicorn, InitModule)

// leveldb_crash_fuzzer: the system's real libleveldb crashed and recovered
// on SimFs, checked by crashlab's oracles (fuzz/auth_cycle.h).
//
// The input bytes choose, through ByteChoices: the sync setting unless
// fixed, the auth workload's seed and length, when a full compaction runs
// between ops (CompactRange: memtable flush, table files, MANIFEST edits,
// obsolete file deletion), the crash position, and which unsynced
// operations persist or tear. Any finding prints a readable report (the
// findings, the ops and their status at the crash, the crash state) and
// aborts. At exit it prints what its executions checked ("crashlab: N
// executions; per execution ..."; auth_cycle.h's ExitTally). Cycles go
// through a RunCache (auth_cycle.h): an input that begins with the bytes
// the run of the input before consumed crashes that run again, and a crash
// state of it already checked returns its outcome.
//
// Settings. CRASHLAB_LEVELDB_SYNC (compile definition or environment
// variable; the environment wins): "true" (default) or "false" fixes
// WriteOptions::sync; "any" lets the input choose (sync=false loses
// acknowledged writes by design). CRASHLAB_FUZZ_MODELS and
// CRASHLAB_FUZZ_DEVICE set the persistence models; the defaults,
// prefix,drop-unsynced,torn on a safe-append device, are the ones under
// which LevelDB 1.23 keeps its promises. Widen them to see where it does
// not (fuzz/README.md): with reorder, a crash may keep the deletion of the
// old MANIFEST but not the rename of CURRENT (SetCurrentFile does not
// fsync the directory), and without safe-append a torn, zero-filled
// MANIFEST append makes DB::Open fail with "checksum mismatch".
//
// Global state, as libFuzzer's entry point requires: one State built on
// the first input (settings, the base image), never changed after; and the
// RunCache.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz/leveldb_auth_engine.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

#ifdef CRASHLAB_LEVELDB_SYNC
constexpr const char* kFixedSync = CRASHLAB_LEVELDB_SYNC;
#else
constexpr const char* kFixedSync = "true";
#endif

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "leveldb_crash_fuzzer: %s\n", why.c_str());
  std::abort();
}

struct State {
  State() {
    const char* env = std::getenv("CRASHLAB_LEVELDB_SYNC");
    sync = env && *env ? env : kFixedSync;
    if (sync != "true" && sync != "false" && sync != "any") {
      Die("CRASHLAB_LEVELDB_SYNC=" + sync + " (allowed: true, false, any)");
    }
    const char* models = std::getenv("CRASHLAB_FUZZ_MODELS");
    const char* device = std::getenv("CRASHLAB_FUZZ_DEVICE");
    auto parsed = ParseSpaceConfig(models ? models : "prefix,drop-unsynced,torn",
                                   device ? device : "safe-append");
    if (!parsed.ok()) Die(parsed.status().ToString());
    space = *parsed;
    LeveldbAuthEngine engine({true}, AuthWorkload::SharedSchema());
    auto made = MakeBaseImage(engine);
    if (!made.ok()) Die("base image: " + made.status().ToString());
    base = std::move(*made);
  }
  std::string sync;
  SpaceConfig space;
  BaseImage base;
  // Every engine's compaction thread (leveldb_env.h): one for the process.
  std::unique_ptr<BackgroundThread> thread =
      std::make_unique<BackgroundThread>();
};

}  // namespace
}  // namespace crashlab

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;
  static const State* state = new State();
  static RunCache* cache = new RunCache();
  ByteChoices choices(std::string_view(reinterpret_cast<const char*>(data), size));
  LeveldbSettings settings;
  settings.sync = state->sync == "any" ? choices.Pick(2) == 1
                                       : state->sync == "true";
  const AuthEngineFactory make = [&](int) {
    return std::make_unique<LeveldbAuthEngine>(
        settings, AuthWorkload::SharedSchema(), state->thread.get());
  };
  CycleConfig config;
  config.space = state->space;
  config.settings = "leveldb " + settings.ToString();
  auto out = cache->Cycle(make, state->base, choices, config);
  if (!out.ok()) Die(out.status().ToString());
  ExitTally().Add(*out);
  if (!out->findings.empty()) {
    std::fputs(out->report.c_str(), stderr);
    std::abort();
  }
  return 0;
}

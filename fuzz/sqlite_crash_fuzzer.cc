// sqlite_crash_fuzzer: the system's real libsqlite3 crashed and recovered
// thousands of times a second on SimFs, checked by crashlab's oracles.
//
// One execution is one crash cycle (fuzz/auth_cycle.h). The input bytes
// choose, through ByteChoices: the settings not fixed below, the auth
// workload's seed and length, when the engine's maintenance runs, the
// crash position, and which unsynced operations persist or tear. Any
// finding prints the findings, the ops with their status at the crash, the
// crash (lost and torn records, core's crash state JSON) and the settings,
// then aborts, so libFuzzer saves the input. At exit it prints what its
// executions checked (auth_cycle.h's ExitTally). Cycles go through a
// RunCache (auth_cycle.h): an input that begins with the bytes the run of
// the input before consumed crashes that run again, and a crash state of
// it already checked returns its outcome; nothing else changes.
//
// Settings. Fixed by compile definitions or environment variables of the
// same names (the environment wins), else chosen by the input:
//   CRASHLAB_SQLITE_JOURNAL_MODE  delete | truncate | persist | wal
//   CRASHLAB_SQLITE_SYNCHRONOUS   off | normal | full | extra
// When the input chooses, it picks among the combinations that promise a
// committed transaction survives a power cut (SQLite's documentation:
// synchronous=extra in every journal mode, full with wal, truncate and
// persist) unless CRASHLAB_SQLITE_ALL_SETTINGS=1 widens it to all 16; the
// others lose commits by design, and the fuzzer would only rediscover that.
// CRASHLAB_FUZZ_MODELS (default prefix,drop-unsynced,reorder,torn) and
// CRASHLAB_FUZZ_DEVICE (default none) set the persistence models; the
// device flags are also what the VFS reports to SQLite.
//
// Global state, as libFuzzer's entry point requires: one State built on
// the first input (settings from the environment, base images per journal
// mode, built once), never changed after except the cache filling; and
// the RunCache.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/sqlite_auth_engine.h"
#include "fuzz/sqlite_pool_alloc.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

#ifdef CRASHLAB_SQLITE_JOURNAL_MODE
constexpr const char* kFixedJournal = CRASHLAB_SQLITE_JOURNAL_MODE;
#else
constexpr const char* kFixedJournal = "";
#endif
#ifdef CRASHLAB_SQLITE_SYNCHRONOUS
constexpr const char* kFixedSync = CRASHLAB_SQLITE_SYNCHRONOUS;
#else
constexpr const char* kFixedSync = "";
#endif

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "sqlite_crash_fuzzer: %s\n", why.c_str());
  std::abort();
}

class State {
 public:
  State() {
    // Before SQLite's first use (fuzz/sqlite_pool_alloc.h).
    const Status pool = InstallSqlitePoolAllocator();
    if (!pool.ok()) Die(pool.ToString());
    const std::string journal = Env("CRASHLAB_SQLITE_JOURNAL_MODE", kFixedJournal);
    const std::string sync = Env("CRASHLAB_SQLITE_SYNCHRONOUS", kFixedSync);
    const bool all = Env("CRASHLAB_SQLITE_ALL_SETTINGS", "0") == "1";
    for (const std::string& j : SqliteJournalModes()) {
      for (const std::string& s : SqliteSyncModes()) {
        if (!journal.empty() && j != journal) continue;
        if (!sync.empty() && s != sync) continue;
        const bool promised =
            s == "extra" || (s == "full" && j != "delete");
        if (journal.empty() && sync.empty() && !all && !promised) continue;
        choices_.push_back({j, s});
      }
    }
    if (choices_.empty()) {
      Die("no SQLite settings match journal_mode='" + journal +
          "' synchronous='" + sync + "'");
    }
    for (const auto& s : choices_) {
      Status st = ValidateSqliteSettings(s);
      if (!st.ok()) Die(st.ToString());
    }
    auto space = ParseSpaceConfig(Env("CRASHLAB_FUZZ_MODELS", ""),
                                  Env("CRASHLAB_FUZZ_DEVICE", ""));
    if (!space.ok()) Die(space.status().ToString());
    space_ = *space;
    std::fprintf(stderr, "sqlite_crash_fuzzer: %zu setting(s), first %s\n",
                 choices_.size(), choices_.front().ToString().c_str());
  }

  const SqliteSettings& Choose(Choices& c) const {
    return choices_[c.Pick(choices_.size())];
  }
  const SpaceConfig& space() const { return space_; }

  const BaseImage& Base(const SqliteSettings& s) {
    auto it = bases_.find(s.journal_mode);
    if (it != bases_.end()) return it->second;
    SqliteAuthEngine engine(s, AuthWorkload::SharedSchema(), 1);
    auto base = MakeBaseImage(engine);
    if (!base.ok()) Die("base image: " + base.status().ToString());
    return bases_.emplace(s.journal_mode, std::move(*base)).first->second;
  }

 private:
  std::vector<SqliteSettings> choices_;
  SpaceConfig space_;
  std::map<std::string, BaseImage> bases_;
};

}  // namespace
}  // namespace crashlab

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;
  static State* state = new State();
  static RunCache* cache = new RunCache();
  ByteChoices choices(std::string_view(reinterpret_cast<const char*>(data), size));
  const SqliteSettings settings = state->Choose(choices);
  // Each simulated process reseeds SQLite's PRNG differently (see
  // sqlite_auth_engine.h), from the input.
  const uint64_t seed = choices.Pick(uint64_t{1} << 30) * 8;
  // SQLite is told what the device promises (xDeviceCharacteristics).
  SqliteVfs::Options vfs;
  vfs.device = state->space().flags;
  const AuthEngineFactory make = [&](int process) {
    return std::make_unique<SqliteAuthEngine>(
        settings, AuthWorkload::SharedSchema(), seed + 1 + process, vfs);
  };
  CycleConfig config;
  config.space = state->space();
  config.settings = "sqlite " + settings.ToString();
  auto out = cache->Cycle(make, state->Base(settings), choices, config);
  if (!out.ok()) Die(out.status().ToString());
  ExitTally().Add(*out);
  if (!out->findings.empty()) {
    std::fputs(out->report.c_str(), stderr);
    std::abort();
  }
  return 0;
}

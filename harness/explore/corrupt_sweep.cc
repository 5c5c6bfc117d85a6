#include "harness/explore/corrupt_sweep.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "checkers/check.h"
#include "checkers/formats/inspect.h"
#include "core/files.h"
#include "core/history.h"
#include "core/subprocess.h"
#include "harness/explore/recovery_pool.h"
#include "harness/record/recording.h"
#include "harness/record/timeline.h"
#include "harness/record/workload_runner.h"
#include "reports/report.h"
#include "workloads/auth.h"

namespace crashlab {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSector = 4096;
constexpr uint64_t kDefaultHeaderBytes = 100;
constexpr uint64_t kFlipTail = 8;

enum class Damage : uint8_t { kFlip, kTruncate, kZero };
constexpr Damage kDamageOrder[] = {Damage::kFlip, Damage::kTruncate, Damage::kZero};
const char* DamageName(Damage d) {
  switch (d) {
    case Damage::kFlip: return "flip";
    case Damage::kTruncate: return "truncate";
    case Damage::kZero: return "zero";
  }
  return "?";
}

constexpr const char* kReactions[] = {"detected_and_refused", "repaired_correctly",
                                      "silent_loss", "silent_wrong_data",
                                      "crash_or_hang"};

struct Region {
  Damage mode;
  uint64_t offset = 0, length = 0;
  bool header = false;
};

struct Target {
  std::string rel;
  std::string data;  // contents after the clean stop
  std::string format;
  uint64_t header_size = 0;
  nlohmann::json regions = nlohmann::json::array();
};

// The regions of `t` damaged in mode `m`, header bytes first.
std::vector<Region> RegionsOf(const Target& t, Damage m) {
  std::vector<Region> out;
  const uint64_t size = t.data.size(), hs = std::min(t.header_size, size);
  for (uint64_t i = 0; i < hs; ++i) {
    if (m == Damage::kZero && t.data[i] == 0) continue;  // would change nothing
    out.push_back({m, i, m == Damage::kTruncate ? size - i : 1, true});
  }
  for (uint64_t s = 0; s < size; s += kSector) {
    const uint64_t start = std::max(s, hs), end = std::min(s + kSector, size);
    if (start >= end) continue;
    switch (m) {
      case Damage::kFlip: {
        const uint64_t n = std::min(kFlipTail, end - start);
        out.push_back({m, end - n, n, false});
        break;
      }
      case Damage::kTruncate: out.push_back({m, start, size - start, false}); break;
      case Damage::kZero: out.push_back({m, start, end - start, false}); break;
    }
  }
  return out;
}

std::string Damaged(const std::string& data, const Region& r) {
  std::string d = data;
  switch (r.mode) {
    case Damage::kFlip:
      for (uint64_t i = r.offset; i < r.offset + r.length; ++i) d[i] = ~d[i];
      break;
    case Damage::kTruncate: d.resize(r.offset); break;
    case Damage::kZero:
      std::fill(d.begin() + r.offset, d.begin() + r.offset + r.length, '\0');
      break;
  }
  return d;
}

class Sweep {
 public:
  explicit Sweep(const SweepOptions& o) : o_(o) {}
  int Execute();

 private:
  Status Prepare();
  Status RecordHistory();
  Status Baseline();
  Result<std::vector<Target>> Targets();
  Result<std::string> Try(const Target& t, const Region& r, std::string* message);
  std::string Classify(const Observation& seen);
  std::string StopReason() const;
  void Write(const std::vector<Target>& targets);
  std::string Out(const std::string& name) const { return JoinPath(o_.out, name); }

  const SweepOptions& o_;
  std::unique_ptr<Engine> engine_;
  Schema schema_ = AuthWorkload::MakeSchema();
  std::vector<LogicalOp> ops_;
  std::vector<OpStatus> status_;
  Rows base_rows_;
  std::set<std::string> baseline_keys_;  // findings without any damage
  std::map<std::string, uint64_t> totals_;
  int64_t start_ms_ = 0;
  bool complete_ = true;
  std::string stopped_because_;
  uint64_t tried_ = 0;
};

Status Sweep::Prepare() {
  EngineEnv env{o_.bin_dir, o_.timeout_s * 1000, Out("logs")};
  CRASHLAB_ASSIGN_OR_RETURN(engine_, MakeEngine(o_.engine, o_.settings, env));
  CRASHLAB_RETURN_IF_ERROR(PrepareOutDir(o_.out, false));
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(Out("logs")));
  auto version = engine_->Version();
  if (!version.ok()) {
    return Status::Infrastructure("engine " + o_.engine + " is not usable here: " +
                                  version.status().message());
  }
  return Status::Ok();
}

// Creates the data directory, runs the workload and stops the engine
// cleanly; keeps every operation's answer as the acknowledged history.
Status Sweep::RecordHistory() {
  const std::string data = Out(".work/data"), init_copy = Out(".work/init");
  CRASHLAB_RETURN_IF_ERROR(InitDataDir(*engine_, data, schema_));
  CRASHLAB_RETURN_IF_ERROR(CopyTree(data, init_copy));
  const Recovery base = engine_->Recover(init_copy, schema_);
  (void)RemoveTree(init_copy);
  if (base.stage != Recovery::Stage::kOk) {
    return Status::Infrastructure("the engine cannot open its new data "
                                  "directory: " + base.message);
  }
  base_rows_ = base.rows;
  AuthWorkload workload(o_.seed);
  CRASHLAB_ASSIGN_OR_RETURN(auto history, HistoryWriter::Create(Out("history.jsonl")));
  std::map<uint64_t, OpStatus> answers;
  auto mark = [&answers](const std::string& label) {
    std::string kind;
    uint64_t id = 0;
    if (!ParseMark(label, &kind, &id)) return Status::Ok();
    if (kind == "ok") answers[id] = OpStatus::kAcked;
    if (kind == "fail") answers[id] = OpStatus::kFailed;
    if (kind == "info") answers[id] = OpStatus::kInFlight;
    return Status::Ok();
  };
  WorkloadRunner runner(workload, *history, mark, o_.interrupted);
  auto stats = RunToCleanStop(*engine_, data, schema_, [&](Session& s) {
    return runner.Run(s, o_.ops, &ops_);
  });
  if (!stats.ok()) return stats.status();
  for (const LogicalOp& op : ops_) {
    auto it = answers.find(op.id);
    status_.push_back(it == answers.end() ? OpStatus::kInFlight : it->second);
  }
  return Status::Ok();
}

std::string Sweep::Classify(const Observation& seen) {
  using Outcome = Observation::Outcome;
  if (seen.outcome == Outcome::kHung || seen.outcome == Outcome::kCrashed) {
    return "crash_or_hang";
  }
  if (seen.outcome != Outcome::kOk || seen.engine_check != "ok") {
    return "detected_and_refused";
  }
  CheckInput in{schema_, ops_, status_, base_rows_, seen};
  in.whole_rows = engine_->writes_whole_rows();
  bool loss = false, wrong = false;
  for (const Finding& f : CheckState(in)) {
    if (baseline_keys_.count(f.Key())) continue;
    const bool lost = f.kind == FindingKind::kLostCommit ||
                      f.kind == FindingKind::kLossWindowExceeded;
    loss |= lost;
    wrong |= !lost;
  }
  return wrong ? "silent_wrong_data" : loss ? "silent_loss" : "repaired_correctly";
}

// The untouched directory must recover; findings it already shows (an
// engine that loses data on a clean stop) are not blamed on the damage.
Status Sweep::Baseline() {
  const std::string copy = Out(".work/try");
  CRASHLAB_RETURN_IF_ERROR(CopyTree(Out(".work/data"), copy));
  const Observation seen = ToObservation(engine_->Recover(copy, schema_));
  (void)RemoveTree(copy);
  if (seen.outcome != Observation::Outcome::kOk) {
    return Status::Infrastructure("the engine does not recover its own cleanly "
                                  "stopped directory: " + seen.message);
  }
  CheckInput in{schema_, ops_, status_, base_rows_, seen};
  in.whole_rows = engine_->writes_whole_rows();
  for (const Finding& f : CheckState(in)) baseline_keys_.insert(f.Key());
  return Status::Ok();
}

Result<std::vector<Target>> Sweep::Targets() {
  const std::string data = Out(".work/data");
  std::vector<Target> out;
  std::vector<std::string> all;  // for the message when nothing matches
  std::error_code ec;
  for (fs::recursive_directory_iterator it(data, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    Target t;
    t.rel = fs::relative(it->path(), data, ec).generic_string();
    all.push_back(t.rel);
    if (fnmatch(o_.files_glob.c_str(), t.rel.c_str(), 0) != 0) continue;
    CRASHLAB_ASSIGN_OR_RETURN(t.data, ReadFileToString(it->path().string()));
    if (t.data.empty()) continue;
    const formats::Format f = formats::Detect(t.rel, t.data);
    t.format = f == formats::Format::kAuto ? "unknown" : formats::FormatName(f);
    t.header_size = o_.header_bytes ? o_.header_bytes : formats::HeaderSize(f);
    if (t.header_size == 0 || f == formats::Format::kLevelDbCurrent) {
      t.header_size = f == formats::Format::kLevelDbCurrent ? t.data.size()
                                                            : kDefaultHeaderBytes;
    }
    out.push_back(std::move(t));
  }
  if (ec) return Status::Infrastructure("cannot list " + data + ": " + ec.message());
  if (out.empty()) {
    std::sort(all.begin(), all.end());
    return Status::InvalidArgument(fmt::format(
        "no non-empty file of the data directory matches --files '{}' (its "
        "files: {})", o_.files_glob, fmt::join(all, ", ")));
  }
  std::sort(out.begin(), out.end(),
            [](const Target& a, const Target& b) { return a.rel < b.rel; });
  return out;
}

Result<std::string> Sweep::Try(const Target& t, const Region& r,
                               std::string* message) {
  const std::string copy = Out(".work/try");
  (void)RemoveTree(copy);
  CRASHLAB_RETURN_IF_ERROR(CopyTree(Out(".work/data"), copy));
  CRASHLAB_RETURN_IF_ERROR(
      WriteStringToFile(JoinPath(copy, t.rel), Damaged(t.data, r)));
  const Observation seen = ToObservation(engine_->Recover(copy, schema_));
  (void)RemoveTree(copy);
  *message = seen.outcome == Observation::Outcome::kOk && seen.engine_check != "ok"
                 ? seen.engine_check : seen.message;
  if (message->size() > 200) message->resize(200);
  return Classify(seen);
}

std::string Sweep::StopReason() const {
  if (o_.interrupted && o_.interrupted->load()) return "interrupted";
  if (o_.budget_s > 0 && (MonotonicMs() - start_ms_) / 1000.0 >= o_.budget_s) {
    return fmt::format("--budget-s {} spent", o_.budget_s);
  }
  return "";
}

void Sweep::Write(const std::vector<Target>& targets) {
  nlohmann::json files = nlohmann::json::array();
  for (const Target& t : targets) {
    nlohmann::json counts = {{"header", nlohmann::json::object()},
                             {"body", nlohmann::json::object()}};
    for (const char* area : {"header", "body"}) {
      for (const char* k : kReactions) counts[area][k] = 0;
    }
    for (const auto& r : t.regions) {
      counts[r["area"].get<std::string>()][r["result"].get<std::string>()] =
          counts[r["area"].get<std::string>()][r["result"].get<std::string>()]
              .get<uint64_t>() + 1;
    }
    files.push_back({{"path", t.rel}, {"format", t.format},
                     {"size", t.data.size()}, {"header_size", t.header_size},
                     {"counts", counts}, {"regions", t.regions}});
  }
  nlohmann::json totals = nlohmann::json::object();
  for (const char* k : kReactions) totals[k] = totals_[k];
  const nlohmann::json j = {
      {"engine", o_.engine}, {"settings", o_.settings},
      {"ops", ops_.size()},
      {"ops_acknowledged", std::count(status_.begin(), status_.end(), OpStatus::kAcked)},
      {"seed", o_.seed}, {"complete", complete_},
      {"baseline_findings", baseline_keys_.size()},
      {"stopped_because", stopped_because_}, {"regions_tried", tried_},
      {"duration_s", (MonotonicMs() - start_ms_) / 1000.0},
      {"totals", totals}, {"files", files}};
  (void)WriteStringToFile(Out("sweep.json"), j.dump(1) + "\n");
  fmt::print("corrupt-sweep {}: {} regions in {:.1f} s{}\n", o_.engine, tried_,
             (MonotonicMs() - start_ms_) / 1000.0,
             complete_ ? "" : " (incomplete: " + stopped_because_ + ")");
  for (const auto& f : files) {
    for (const char* area : {"header", "body"}) {
      std::string line;
      for (const char* k : kReactions) {
        const uint64_t n = f["counts"][area][k];
        if (n) line += fmt::format(" {} {},", n, k);
      }
      if (line.empty()) continue;
      line.pop_back();
      fmt::print("  {} ({}, {} bytes) {}:{}\n", f["path"].get<std::string>(),
                 f["format"].get<std::string>(), f["size"].get<uint64_t>(),
                 area, line);
    }
  }
  fmt::print("sweep: {}\n", Out("sweep.json"));
}

int Sweep::Execute() {
  start_ms_ = MonotonicMs();
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "crashlab: %s\n", s.message().c_str());
    return ExitCodeFor(s);
  };
  Status s = Prepare();
  if (!s.ok()) return fail(s);
  ScopedDir work(Out(".work"));
  s = RecordHistory();
  if (s.ok()) s = Baseline();
  if (!s.ok()) return fail(s);
  auto targets = Targets();
  if (!targets.ok()) return fail(targets.status());
  for (Damage mode : kDamageOrder) {
    for (Target& t : *targets) {
      for (const Region& r : RegionsOf(t, mode)) {
        if (stopped_because_ = StopReason(); !stopped_because_.empty()) break;
        std::string message;
        auto result = Try(t, r, &message);
        if (!result.ok()) return fail(result.status());
        ++tried_;
        ++totals_[*result];
        t.regions.push_back({{"mode", DamageName(r.mode)}, {"offset", r.offset},
                             {"length", r.length},
                             {"area", r.header ? "header" : "body"},
                             {"result", *result}, {"message", message}});
      }
    }
  }
  complete_ = stopped_because_.empty();
  Write(*targets);
  const bool bad = totals_["silent_loss"] + totals_["silent_wrong_data"] +
                   totals_["crash_or_hang"] > 0;
  return bad ? kExitFindings : complete_ ? kExitPass : kExitIncomplete;
}

}  // namespace

int RunCorruptSweep(const SweepOptions& options) {
  return Sweep(options).Execute();
}

}  // namespace crashlab

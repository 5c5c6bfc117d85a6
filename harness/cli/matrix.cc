#include "harness/cli/matrix.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <deque>
#include <memory>

#include <fmt/format.h>

#include "core/files.h"
#include "core/subprocess.h"
#include "harness/cli/cli_args.h"
#include "reports/claims.h"
#include "reports/table.h"

namespace crashlab {

using nlohmann::json;

namespace {

struct Running {
  MatrixCell cell;
  std::unique_ptr<Subprocess> process;
  int64_t start_ms = 0;
  bool signalled = false;
};

std::string CellDir(const MatrixOptions& o, const MatrixCell& c) {
  return JoinPath(o.out, c.dir);
}
std::string LogPath(const MatrixOptions& o, const MatrixCell& c) {
  return JoinPath(o.out, "logs/" + c.name + ".log");
}

// Attaches the cell's report.json (if the run wrote one) to `c`.
void LoadCellReport(const MatrixOptions& o, MatrixCell* c) {
  const std::string path = JoinPath(CellDir(o, *c), "report.json");
  auto text = ReadFileToString(path);
  json j = text.ok() ? json::parse(*text, nullptr, false) : json();
  auto r = text.ok() && !j.is_discarded() ? Report::FromJson(j)
                                          : Result<Report>(Status::NotFound(path));
  if (!r.ok()) {
    std::string tail;
    if (auto log = ReadFileToString(LogPath(o, *c)); log.ok()) {
      tail = log->substr(log->size() > 600 ? log->size() - 600 : 0);
    }
    c->error = fmt::format("crashlab run exited with {} and left no report ({}); "
                           "log {}:\n{}", c->exit_code, r.status().message(),
                           LogPath(o, *c), tail);
    return;
  }
  c->raw = std::move(j);
  c->report = std::move(r).value();
  c->error.clear();
  // The column is the configuration the engine ran, defaults included, so
  // a matrix cell and a plain run of it share fingerprints and baselines.
  if (!c->report->engine.settings.empty()) c->settings = c->report->engine.settings;
}

// A kept cell from an earlier invocation (--resume), if its arguments match.
bool Resumable(const MatrixOptions& o, MatrixCell* c) {
  auto text = ReadFileToString(JoinPath(CellDir(o, *c), "cell.json"));
  if (!text.ok()) return false;
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || j.value("args", json()) != json(c->args)) return false;
  c->exit_code = j.value("exit_code", 0);
  c->duration_s = j.value("duration_s", 0.0);
  LoadCellReport(o, c);
  return c->report.has_value();
}

Result<std::unique_ptr<Subprocess>> Launch(const MatrixOptions& o, const MatrixCell& c) {
  const std::string dir = CellDir(o, c);
  if (PathExists(dir)) CRASHLAB_RETURN_IF_ERROR(RemoveTree(dir));
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(dir));
  // The shell sends the child's stdout and stderr to the cell's log.
  SpawnOptions spawn;
  spawn.argv = {"/bin/sh", "-c", "exec \"$@\" >>\"$0\" 2>&1", LogPath(o, c), o.crashlab};
  spawn.argv.insert(spawn.argv.end(), c.args.begin(), c.args.end());
  spawn.argv.insert(spawn.argv.end(), {"--out", dir});
  return Subprocess::Spawn(spawn);
}

void Finish(const MatrixOptions& o, Running& r, int wait_status, size_t done,
            size_t total, std::vector<MatrixCell>* finished) {
  MatrixCell& c = r.cell;
  c.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
                                       : 128 + WTERMSIG(wait_status);
  c.duration_s = (MonotonicMs() - r.start_ms) / 1000.0;
  LoadCellReport(o, &c);
  const json meta = {{"name", c.name}, {"args", c.args}, {"exit_code", c.exit_code},
                     {"duration_s", c.duration_s}};
  (void)WriteStringToFile(JoinPath(CellDir(o, c), "cell.json"), meta.dump(2) + "\n");
  uint64_t findings = 0;
  if (c.report) {
    for (const auto& [k, n] : c.report->summary.by_kind) findings += n;
  }
  fmt::print("[{}/{}] {} ({} {}): {}{} in {:.1f} s\n", done, total, c.Config(),
             c.crash, c.workload, CellVerdict(c),
             c.report ? fmt::format(", {} findings", findings) : "", c.duration_s);
  std::fflush(stdout);
  finished->push_back(std::move(c));
}

Status PrepareMatrixOut(const MatrixOptions& o) {
  if (PathExists(o.out) && !IsEmptyDir(o.out) && !o.resume) {
    const bool ours = PathExists(JoinPath(o.out, "cells")) ||
                      PathExists(JoinPath(o.out, "report.json"));
    if (!o.force || !ours) {
      return Status::InvalidArgument(
          o.out + " is not empty (use --resume to keep finished cells, or "
          "--force to replace an earlier matrix there)");
    }
    for (const char* sub : {"cells", "logs", "report.json"}) {
      const std::string p = JoinPath(o.out, sub);
      if (PathExists(p)) CRASHLAB_RETURN_IF_ERROR(RemoveTree(p));
    }
  }
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(JoinPath(o.out, "cells")));
  return MakeDirs(JoinPath(o.out, "logs"));
}

}  // namespace

Result<MatrixReport> RunMatrix(const MatrixSpec& spec, const MatrixOptions& o) {
  CRASHLAB_RETURN_IF_ERROR(PrepareMatrixOut(o));
  const int64_t start_ms = MonotonicMs();
  std::deque<MatrixCell> pending;
  std::vector<MatrixCell> finished;
  for (MatrixCell& c : ShardCells(spec, o.shard_index, o.shard_count)) {
    if (o.resume && Resumable(o, &c)) {
      fmt::print("kept {} from an earlier run: {}\n", c.name, CellVerdict(c));
      finished.push_back(std::move(c));
    } else {
      pending.push_back(std::move(c));
    }
  }
  const size_t total = pending.size() + finished.size();
  std::vector<Running> running;
  while (!pending.empty() || !running.empty()) {
    const bool stop = o.interrupted && o.interrupted->load();
    while (!stop && !pending.empty() && static_cast<int>(running.size()) < o.jobs) {
      Running r{std::move(pending.front()), nullptr, MonotonicMs()};
      pending.pop_front();
      auto p = Launch(o, r.cell);
      if (!p.ok()) {
        r.cell.error = "could not start crashlab run: " + p.status().message();
        r.cell.exit_code = kExitInfrastructure;
        finished.push_back(std::move(r.cell));
        continue;
      }
      r.process = std::move(p).value();
      running.push_back(std::move(r));
    }
    if (stop) pending.clear();
    for (size_t i = 0; i < running.size();) {
      if (stop && !running[i].signalled) {
        running[i].process->Kill(SIGINT);  // the run stops at a safe point
        running[i].signalled = true;
      }
      auto st = running[i].process->Wait(50);
      if (!st.ok()) {
        ++i;
        continue;
      }
      Finish(o, running[i], *st, finished.size() + 1, total, &finished);
      running.erase(running.begin() + i);
    }
  }
  std::sort(finished.begin(), finished.end(),
            [](const MatrixCell& a, const MatrixCell& b) { return a.index < b.index; });
  MatrixReport m;
  m.tool_version = CRASHLAB_VERSION;
  m.name = spec.name;
  m.spec_hash = spec.hash;
  m.cells_total = static_cast<int>(spec.cells.size());
  m.shard_index = o.shard_index;
  m.shard_count = o.shard_count;
  m.out = o.out;
  m.duration_s = (MonotonicMs() - start_ms) / 1000.0;
  m.cells = std::move(finished);
  m.claims = spec.claims;
  CRASHLAB_RETURN_IF_ERROR(WriteMatrixReport(m, JoinPath(o.out, "report.json")));
  return m;
}

Status ParseShard(const std::string& text, int* index, int* count) {
  unsigned k = 0, n = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &k, &slash, &n, &extra) != 3 ||
      slash != '/' || k < 1 || n < 1 || k > n) {
    return Status::InvalidArgument("--shard takes K/N with 1 <= K <= N, got '" + text + "'");
  }
  *index = static_cast<int>(k) - 1;
  *count = static_cast<int>(n);
  return Status::Ok();
}

}  // namespace crashlab

namespace crashlab {

namespace {

constexpr char kMatrixUsage[] =
    "usage: crashlab matrix FILE --out DIR [--jobs N] [--shard K/N] [--resume]\n"
    "                       [--force] [--fail-on KINDS] [--baseline FILE]\n"
    "  FILE      matrix file, JSON or YAML (.yaml/.yml)\n"
    "  --jobs    cells running at once (default 1)\n"
    "  --shard   run only shard K of N (cells whose index is K-1 mod N)\n"
    "  --resume  keep cells an earlier invocation finished in DIR\n"
    "  --force   replace an earlier matrix's outputs in DIR\n"
    "  --fail-on finding kinds that fail (comma list; default all)\n"
    "  --baseline accepted findings (crashlab report baseline); only new ones fail\n";

int MatrixUsage(const std::string& msg) {
  return CommandUsage("matrix", msg, kMatrixUsage);
}

}  // namespace

int MatrixMain(const std::vector<std::string>& args, const std::string& bin_dir,
               const std::atomic<bool>* interrupted) {
  MatrixOptions o;
  o.crashlab = JoinPath(bin_dir, "crashlab");
  o.interrupted = interrupted;
  std::string fail_on, baseline_path;
  bool gate_kinds = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      std::fputs(kMatrixUsage, stdout);
      return kExitPass;
    } else if (a == "--out" && value(&o.out)) {
    } else if (a == "--jobs" && value(&v)) {
      o.jobs = std::atoi(v.c_str());
      if (o.jobs < 1) return MatrixUsage("--jobs takes a number >= 1");
    } else if (a == "--shard" && value(&v)) {
      Status s = ParseShard(v, &o.shard_index, &o.shard_count);
      if (!s.ok()) return MatrixUsage(s.message());
    } else if (a == "--fail-on" && value(&fail_on)) {
      gate_kinds = true;
    } else if (a == "--baseline" && value(&baseline_path)) {
    } else if (a == "--resume") {
      o.resume = true;
    } else if (a == "--force") {
      o.force = true;
    } else if (!a.starts_with("-") && o.file.empty()) {
      o.file = a;
    } else {
      return MatrixUsage("unexpected argument '" + a + "'");
    }
  }
  if (o.file.empty() || o.out.empty()) return MatrixUsage("FILE and --out are required");
  o.out = AbsolutePath(o.out);
  if (gate_kinds) {
    auto kinds = ParseKinds(fail_on);
    if (!kinds.ok()) return MatrixUsage(kinds.status().message());
    o.gate.fail_on = *kinds;
  }
  Baseline baseline;
  if (!baseline_path.empty()) {
    auto b = ReadBaseline(baseline_path);
    if (!b.ok()) return MatrixUsage(b.status().message());
    baseline = std::move(b).value();
    o.gate.baseline = &baseline;
  }
  auto spec = ReadMatrixSpec(o.file);
  if (!spec.ok()) return MatrixUsage(spec.status().message());
  fmt::print("crashlab matrix {}: {} cells{}, {} at a time\n", spec->name,
             spec->cells.size(),
             o.shard_count > 1 ? fmt::format(", shard {}/{}", o.shard_index + 1,
                                             o.shard_count)
                               : "",
             o.jobs);
  std::fflush(stdout);
  auto m = RunMatrix(*spec, o);
  if (!m.ok()) {
    std::fprintf(stderr, "crashlab matrix: %s\n", m.status().message().c_str());
    return ExitCodeFor(m.status());
  }
  fmt::print("\n{}\n", BuildTable(*m).ToText());
  if (!m->claims.is_null()) {
    auto specs = ParseClaims(m->claims);
    if (specs.ok()) fmt::print("{}\n", ClaimsMarkdown(DecideClaims(*specs, *m)));
  }
  fmt::print("verdict: {} ({} cells in {:.1f} s)\nreport: {}\n", m->Verdict(),
             m->cells.size(), m->duration_s, JoinPath(o.out, "report.json"));
  if (!o.gate.active()) return m->ExitCode();
  GateResult g = Gate(*m, o.gate);
  fmt::print("{}", g.Summary());
  return g.exit_code;
}

}  // namespace crashlab

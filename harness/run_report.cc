#include "harness/run_report.h"

#include <fmt/format.h>

#include "core/files.h"

namespace crashlab {

std::string ClaimKindName(DurabilityClaim::Kind k) {
  switch (k) {
    case DurabilityClaim::Kind::kNone:
      return "none";
    case DurabilityClaim::Kind::kWindow:
      return "window";
    case DurabilityClaim::Kind::kEveryAck:
      return "every_ack";
  }
  return "none";
}

namespace {

void SetVerdict(const RunOutcome& outcome, size_t findings,
                Report::Summary* s) {
  const bool stopped = !outcome.stopped_because.empty();
  if (findings > 0) {
    s->verdict = "fail";
    if (!outcome.complete) s->reason = "stopped early: " + outcome.stopped_because;
  } else if (outcome.stats.interrupted || !outcome.complete) {
    s->verdict = "incomplete";
    s->reason = outcome.stopped_because;
  } else if (stopped) {
    s->verdict = "error";
    s->reason = outcome.stopped_because;
  } else {
    s->verdict = "pass";
  }
}

}  // namespace

Report BuildReport(const RunOptions& o, Engine& engine,
                   const std::string& version, const RunOutcome& outcome,
                   const FindingSet& findings, double seconds) {
  Report r;
  r.tool_version = CRASHLAB_VERSION;
  r.engine.name = engine.name();
  r.engine.version = version;
  r.engine.settings = engine.settings();
  const DurabilityClaim claim = engine.Claim();
  r.engine.claim_kind = ClaimKindName(claim.kind);
  r.engine.claim_window_s = claim.window_s;
  r.engine.claim_basis = claim.basis;
  r.engine.claim_order = claim.order;
  r.workload = {o.workload, o.ops, o.seed, 1};
  r.crash.mode = o.crash;
  if (o.crash == "explore") {
    for (Model m : o.space.models) r.crash.models.push_back(ModelName(m));
    r.crash.device = o.space.flags.ToString();
    r.crash.exhaustive_bound = o.space.exhaustive_bound;
    r.crash.samples = o.space.samples;
    r.crash.torn_writes = o.space.torn_writes;
    r.crash.model_stats = outcome.model_stats;
    r.crash.outcomes = outcome.outcomes;
    r.crash.shard_index = o.shard_index;
    r.crash.shard_count = o.shard_count;
    r.crash.total_states = outcome.total_states;
  } else {
    r.crash.models.push_back(o.crash);
  }
  r.seed = o.seed;
  r.trace = {o.crash == "explore" ? "trace.bin" : "rounds/NNN/trace.bin",
             outcome.trace_records, "base"};
  auto& s = r.summary;
  s.ops_invoked = outcome.stats.invoked;
  s.ops_acknowledged = outcome.stats.ok;
  s.ops_failed = outcome.stats.failed;
  s.ops_unknown = outcome.stats.unknown;
  s.crash_states = outcome.crash_states;
  s.unique_images = outcome.unique_images;
  s.states_checked = outcome.states_checked;
  s.recoveries = outcome.recoveries;
  s.by_kind = findings.CountByKind();
  s.duration_s = seconds;
  r.findings = findings.ToReport(
      o.max_findings,
      [&](const std::string& dir, const std::string& state,
          const std::string& id) -> std::string {
        if (dir.empty()) return "";  // a finding of the history, no state
        return "crashlab replay " + dir + " --state " + state + " --to " +
               JoinPath(o.out, "replay/" + id);
      },
      &r.classes);
  r.findings_omitted = findings.size() - r.findings.size();
  r.rounds = outcome.rounds;
  r.headers = outcome.headers;
  r.loss_shape = outcome.loss;
  r.faults_plan = o.faults_path;
  SetVerdict(outcome, findings.size(), &s);
  return r;
}

namespace {

constexpr size_t kClassesShown = 8;

// One class: its headline, its first member and how to replay it.
void PrintClass(const Report& r, const FindingClass& c) {
  fmt::print("    {} {} x{}: {}\n", c.id, FindingKindName(c.kind),
             c.members.size(), c.Headline());
  const ReportFinding* first = nullptr;
  for (const ReportFinding& f : r.findings) {
    if (f.id == c.first) first = &f;
  }
  if (!first) return;
  fmt::print("      first {}: {}\n", first->id, first->summary);
  if (first->replay.empty()) {  // found in the history, not in a crash state
    fmt::print("      seen in what clients were told\n");
  } else {
    fmt::print("      seen in {} crash state{}; replay: {}\n",
               first->states_affected, first->states_affected == 1 ? "" : "s",
               first->replay);
  }
}

}  // namespace

void PrintSummary(const Report& r, const std::string& report_path) {
  std::string settings;
  for (const auto& [k, v] : r.engine.settings) settings += " " + k + "=" + v;
  const auto& s = r.summary;
  fmt::print("crashlab {}: {} {}{}, workload {} ({} ops, seed {})\n",
             r.tool_version, r.engine.name, r.engine.version, settings,
             r.workload.name, r.workload.ops, r.seed);
  fmt::print("  {} ops acknowledged, {} failed, {} unknown\n",
             s.ops_acknowledged, s.ops_failed, s.ops_unknown);
  if (r.crash.mode == "explore") {
    fmt::print("  recorded {} trace records\n", r.trace.records);
    fmt::print("  explored {} of {} crash states ({}{}): {} unique images, {} "
               "recoveries\n",
               s.states_checked, s.crash_states,
               fmt::join(r.crash.models, ", "),
               r.crash.shard_count > 1
                   ? fmt::format("; shard {}/{} of {} states",
                                 r.crash.shard_index + 1, r.crash.shard_count,
                                 r.crash.total_states)
                   : "",
               s.unique_images, s.recoveries);
    for (const auto& m : r.crash.model_stats) {
      if (m.name != "reorder") continue;
      fmt::print("  reorder: {} crash points, {} enumerated exhaustively, {} "
                 "sampled ({} subsets each)\n",
                 m.crash_points, m.exhaustive_points, m.sampled_points,
                 r.crash.samples);
    }
    if (!r.crash.outcomes.empty()) {
      fmt::print("  states by what they lost: recovered / with findings / "
                 "refused\n");
    }
    for (size_t i = 0; i < r.crash.outcomes.size() && i < 6; ++i) {
      const auto& o = r.crash.outcomes[i];
      fmt::print("    {}: {} / {} / {}\n", o.files, o.recovered,
                 o.with_findings, o.refused);
    }
  } else {
    uint64_t recovered = 0;
    for (const auto& round : r.rounds) recovered += round.recovered;
    fmt::print("  {} {} crashes, {} recovered\n", r.rounds.size(),
               r.crash.mode, recovered);
  }
  std::string kinds;
  for (const auto& [k, n] : s.by_kind) kinds += fmt::format(" {}={}", k, n);
  fmt::print("  verdict: {}{}  findings:{}\n", s.verdict,
             s.reason.empty() ? "" : " (" + s.reason + ")", kinds);
  if (r.loss_shape.measured()) {
    fmt::print("  loss shape: {}\n", r.loss_shape.Describe());
  }
  if (!r.classes.empty()) {
    fmt::print("  findings by cause: {} {}\n", r.classes.size(),
               r.classes.size() == 1 ? "class" : "classes");
  }
  for (size_t i = 0; i < r.classes.size() && i < kClassesShown; ++i) {
    PrintClass(r, r.classes[i]);
  }
  if (r.classes.size() > kClassesShown) {
    fmt::print("    ... {} more classes in the report\n",
               r.classes.size() - kClassesShown);
  }
  fmt::print("  report: {}\n", report_path);
}

}  // namespace crashlab

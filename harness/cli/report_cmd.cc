#include "harness/cli/report_cmd.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "core/files.h"
#include "harness/cli/cli_args.h"
#include "reports/annotations.h"
#include "reports/diff.h"
#include "reports/html.h"
#include "reports/junit.h"
#include "reports/matrix_report.h"
#include "reports/merge.h"
#include "reports/table.h"

namespace crashlab {

using nlohmann::json;

namespace {

constexpr char kUsage[] =
    "usage: crashlab report merge SHARD.json... -o OUT.json\n"
    "       crashlab report table REPORT [--markdown|--json] [--sweep SWEEP.json]\n"
    "       crashlab report junit REPORT -o FILE\n"
    "       crashlab report annotations REPORT [--fail-on KINDS] [--baseline FILE]\n"
    "       crashlab report html REPORT -o FILE [--sweep SWEEP.json]\n"
    "       crashlab report diff OLD NEW [--json]\n"
    "       crashlab report baseline REPORT -o FILE\n"
    "       crashlab report gate REPORT [--fail-on KINDS] [--baseline FILE]\n";

int ReportUsage(const std::string& msg) {
  return CommandUsage("report", msg, kUsage);
}

int Fail(const Status& s) {
  std::fprintf(stderr, "crashlab report: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

// Parsed arguments: positionals, and options that take a value (repeatable)
// or are flags.
struct Args {
  std::vector<std::string> positional;
  std::multimap<std::string, std::string> values;
  std::vector<std::string> flags;
  std::string Get(const std::string& k) const {
    auto it = values.find(k);
    return it == values.end() ? "" : it->second;
  }
  bool Has(const std::string& k) const {
    return values.count(k) || std::find(flags.begin(), flags.end(), k) != flags.end();
  }
};

Result<Args> Parse(const std::vector<std::string>& args, size_t from,
                   std::initializer_list<const char*> with_value,
                   std::initializer_list<const char*> flags) {
  Args out;
  for (size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool known = false;
    for (const char* o : with_value) {
      if (a != o) continue;
      if (i + 1 >= args.size()) return Status::InvalidArgument(a + " needs a value");
      out.values.emplace(a, args[++i]);
      known = true;
    }
    for (const char* f : flags) {
      if (a == f) out.flags.push_back(a), known = true;
    }
    if (known) continue;
    if (a.starts_with("-") && a != "-") return Status::InvalidArgument("unknown option " + a);
    out.positional.push_back(a);
  }
  return out;
}

Status WriteNew(const std::string& path, const std::string& text) {
  if (PathExists(path)) {
    return Status::InvalidArgument(path + " exists; crashlab never overwrites a report");
  }
  return WriteStringToFile(path, text);
}

// Attaches each --sweep file to the cell of its engine configuration.
Status AttachSweeps(const Args& a, MatrixReport* m) {
  auto [lo, hi] = a.values.equal_range("--sweep");
  for (auto it = lo; it != hi; ++it) {
    CRASHLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(it->second));
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return Status::BadInput(it->second + " is not valid JSON");
    MatrixCell* target = m->single_run && !m->cells.empty() ? &m->cells[0] : nullptr;
    if (!target && j.contains("engine") && j["engine"].is_string()) {
      const std::string config = ConfigLabel(
          j["engine"], j.value("settings", json::object()).get<SettingMap>());
      for (MatrixCell& c : m->cells) {
        if (c.Config() == config || (!target && c.engine == j["engine"])) target = &c;
      }
    }
    if (!target) {
      return Status::InvalidArgument(it->second + " matches no engine configuration in the report");
    }
    target->sweep = std::move(j);
  }
  return Status::Ok();
}

Result<MatrixReport> Load(const Args& a) {
  if (a.positional.size() != 1) return Status::InvalidArgument("give one REPORT");
  CRASHLAB_ASSIGN_OR_RETURN(MatrixReport m, ReadResults(a.positional[0]));
  CRASHLAB_RETURN_IF_ERROR(AttachSweeps(a, &m));
  return m;
}

int Merge(const Args& a) {
  const std::string output = a.Get("-o");
  if (a.positional.empty() || output.empty()) return ReportUsage("merge needs SHARD.json... -o OUT.json");
  if (PathExists(output)) return ReportUsage(output + " exists; crashlab never overwrites a report");
  std::vector<MatrixReport> matrices;
  std::vector<Report> runs;
  for (const std::string& path : a.positional) {
    auto m = ReadResults(path);
    if (!m.ok()) return Fail(m.status());
    if (m->single_run) runs.push_back(*m->cells[0].report);
    else matrices.push_back(std::move(m).value());
  }
  if (!runs.empty() && !matrices.empty()) {
    return ReportUsage("cannot merge run reports with matrix reports");
  }
  if (!matrices.empty()) {
    auto merged = MergeMatrixReports(matrices);
    if (!merged.ok()) return Fail(merged.status());
    Status w = WriteMatrixReport(*merged, output);
    if (!w.ok()) return Fail(w);
    fmt::print("{}\nmerged {} matrix shard reports into {}: verdict {}, {} of {} cells\n",
               BuildTable(*merged).ToText(), matrices.size(), output,
               merged->Verdict(), merged->cells.size(), merged->cells_total);
    return merged->ExitCode();
  }
  auto merged = MergeReports(runs);
  if (!merged.ok()) return Fail(merged.status());
  Status written = WriteReport(*merged, output);
  if (!written.ok()) return Fail(written);
  fmt::print("merged {} shard reports into {}: verdict {}, {} findings\n", runs.size(),
             output, merged->summary.verdict, merged->findings.size());
  return merged->ExitCode();
}

int Diff(const Args& a) {
  if (a.positional.size() != 2) return ReportUsage("diff needs OLD NEW");
  auto before = ReadResults(a.positional[0]);
  if (!before.ok()) return Fail(before.status());
  auto after = ReadResults(a.positional[1]);
  if (!after.ok()) return Fail(after.status());
  const FindingDiff d = DiffResults(*before, *after);
  fmt::print("{}", a.Has("--json") ? d.ToJson().dump(2) + "\n" : d.ToText());
  return d.ExitCode();
}

Result<GateResult> GateFrom(const Args& a, const MatrixReport& m) {
  Baseline baseline;
  GatePolicy policy;
  CRASHLAB_RETURN_IF_ERROR(MakeGatePolicy(a.Get("--fail-on"), a.Has("--fail-on"),
                                          a.Get("--baseline"), &baseline, &policy));
  GateResult g = Gate(m, policy);
  return g;
}

}  // namespace

Status MakeGatePolicy(const std::string& fail_on, bool fail_on_given,
                      const std::string& baseline_path, Baseline* baseline,
                      GatePolicy* policy) {
  if (fail_on_given) {
    CRASHLAB_ASSIGN_OR_RETURN(policy->fail_on, ParseKinds(fail_on));
  }
  if (!baseline_path.empty()) {
    CRASHLAB_ASSIGN_OR_RETURN(*baseline, ReadBaseline(baseline_path));
    policy->baseline = baseline;
  }
  return Status::Ok();
}

int GateRunReport(const std::string& report_path, const GatePolicy& policy,
                  int run_exit) {
  if (run_exit == kExitUsage || !PathExists(report_path)) return run_exit;
  auto m = ReadResults(report_path);
  if (!m.ok()) return Fail(m.status());
  GateResult g = Gate(*m, policy);
  fmt::print("{}", g.Summary());
  return g.exit_code;
}

static int ReportCommand(const std::vector<std::string>& args) {
  if (args.empty()) return ReportUsage("which report command?");
  const std::string& sub = args[0];
  auto parsed = Parse(args, 1, {"-o", "--sweep", "--fail-on", "--baseline"},
                      {"--markdown", "--json"});
  if (!parsed.ok()) return ReportUsage(parsed.status().message());
  const Args& a = *parsed;
  if (sub == "merge") return Merge(a);
  if (sub == "diff") return Diff(a);
  auto m = Load(a);
  if (!m.ok()) return Fail(m.status());
  const std::string output = a.Get("-o");
  if (sub == "table") {
    const Table t = BuildTable(*m);
    fmt::print("{}", a.Has("--json")       ? t.ToJson().dump(2) + "\n"
                     : a.Has("--markdown") ? t.ToMarkdown()
                                           : t.ToText());
    return kExitPass;
  }
  if (sub == "junit" || sub == "html" || sub == "baseline") {
    if (output.empty()) return ReportUsage(sub + " needs -o FILE");
    const std::string text = sub == "junit" ? ToJUnitXml(*m)
                             : sub == "html" ? ToHtml(*m)
                                             : BaselineJson(*m).dump(2) + "\n";
    Status s = WriteNew(output, text);
    if (!s.ok()) return Fail(s);
    fmt::print("wrote {}\n", output);
    return kExitPass;
  }
  if (sub == "annotations" || sub == "gate") {
    const bool gated = a.Has("--fail-on") || a.Has("--baseline");
    auto g = GateFrom(a, *m);
    if (!g.ok()) return Fail(g.status());
    if (sub == "gate") {
      fmt::print("{}", g->Summary());
      return g->exit_code;
    }
    fmt::print("{}", GitHubAnnotations(*m, a.positional[0], gated ? &*g : nullptr));
    return kExitPass;
  }
  return ReportUsage("unknown report command '" + sub + "'");
}

int ReportMain(const std::vector<std::string>& args) {
  try {
    return ReportCommand(args);
  } catch (const std::system_error&) {
    // stdout went away (`crashlab report table R | head`): nothing to tell.
    return kExitInfrastructure;
  }
}

}  // namespace crashlab

#include "reports/matrix_report.h"

#include "reports/claims.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/files.h"
#include "reports/table.h"

namespace crashlab {

using nlohmann::json;

std::string ConfigLabel(const std::string& engine, const SettingMap& settings) {
  std::string label = engine;
  for (const auto& [k, v] : settings) label += " " + k + "=" + v;
  return label;
}

std::string CellVerdict(const MatrixCell& c) {
  return c.report ? c.report->summary.verdict : "error";
}

std::string MatrixReport::Verdict() const {
  std::set<std::string> seen;
  for (const MatrixCell& c : cells) seen.insert(CellVerdict(c));
  if (seen.count("fail")) return "fail";
  if (seen.count("error")) return "error";
  if (seen.count("incomplete") || static_cast<int>(cells.size()) < cells_total) {
    return "incomplete";
  }
  return "pass";
}

int MatrixReport::ExitCode() const {
  const std::string v = Verdict();
  if (v == "pass") return kExitPass;
  if (v == "fail") return kExitFindings;
  if (v == "incomplete") return kExitIncomplete;
  return kExitInfrastructure;
}

std::vector<std::string> MatrixReport::Configs() const {
  std::vector<std::string> out;
  for (const MatrixCell& c : cells) {
    if (std::find(out.begin(), out.end(), c.Config()) == out.end()) {
      out.push_back(c.Config());
    }
  }
  return out;
}

namespace {

json CellJson(const MatrixCell& c) {
  json j = {{"index", c.index},         {"name", c.name},
            {"config", c.Config()},     {"engine", c.engine},
            {"settings", c.settings},   {"crash", c.crash},
            {"workload", c.workload},   {"ops", c.ops},
            {"seed", c.seed},           {"args", c.args},
            {"dir", c.dir},             {"exit_code", c.exit_code},
            {"verdict", CellVerdict(c)}, {"error", c.error},
            {"duration_s", c.duration_s}};
  if (c.raw) j["report"] = *c.raw;
  if (c.sweep) j["sweep"] = *c.sweep;
  return j;
}

Result<MatrixCell> CellFromJson(const json& j) {
  MatrixCell c;
  c.index = j.at("index");
  c.name = j.at("name");
  c.engine = j.at("engine");
  c.settings = j.at("settings").get<SettingMap>();
  c.crash = j.at("crash");
  c.workload = j.at("workload");
  c.ops = j.at("ops");
  c.seed = j.at("seed");
  c.args = j.at("args").get<std::vector<std::string>>();
  c.dir = j.at("dir");
  c.exit_code = j.at("exit_code");
  c.error = j.at("error");
  c.duration_s = j.at("duration_s");
  if (j.contains("report")) {
    auto r = Report::FromJson(j["report"]);
    if (!r.ok()) return r.status().Annotate("cell " + c.name);
    c.raw = j["report"];
    c.report = std::move(r).value();
  }
  if (j.contains("sweep")) c.sweep = j["sweep"];
  return c;
}

std::map<std::string, uint64_t> KindTotals(const std::vector<MatrixCell>& cells) {
  std::map<std::string, uint64_t> by_kind;
  for (FindingKind k : kAllFindingKinds) by_kind[FindingKindName(k)] = 0;
  for (const MatrixCell& c : cells) {
    if (!c.report) continue;
    for (const auto& [k, n] : c.report->summary.by_kind) by_kind[k] += n;
  }
  return by_kind;
}

std::string Dirname(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// sweep.json beside a cell's report, if the corruption sweep left one.
void LoadSweep(const std::string& dir, MatrixCell* c) {
  if (c->sweep) return;
  if (c->raw && c->raw->contains("sweep")) {
    c->sweep = (*c->raw)["sweep"];
    return;
  }
  const std::string path = JoinPath(dir, "sweep.json");
  if (!PathExists(path)) return;
  auto text = ReadFileToString(path);
  if (!text.ok()) return;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) c->sweep = std::move(j);
}

}  // namespace

json MatrixReport::ToJson() const {
  json by_verdict = {{"pass", 0}, {"fail", 0}, {"incomplete", 0}, {"error", 0}};
  for (const MatrixCell& c : cells) by_verdict[CellVerdict(c)] = by_verdict[CellVerdict(c)].get<int>() + 1;
  json cells_json = json::array();
  for (const MatrixCell& c : cells) cells_json.push_back(CellJson(c));
  json result = {{"schema", kMatrixSchemaId},
          {"tool", {{"name", "crashlab"}, {"version", tool_version}}},
          {"matrix",
           {{"name", name}, {"spec_hash", spec_hash}, {"cells_total", cells_total}}},
          {"shard", {{"index", shard_index}, {"count", shard_count}}},
          {"out", out},
          {"summary",
           {{"verdict", Verdict()},
            {"cells", cells.size()},
            {"by_verdict", by_verdict},
            {"by_kind", KindTotals(cells)},
            {"duration_s", duration_s}}},
          {"table", BuildTable(*this).ToJson()},
          {"cells", cells_json}};
  if (!claims.is_null()) {
    json results = json::array();
    if (auto specs = ParseClaims(claims); specs.ok()) {
      for (const ClaimResult& r : DecideClaims(*specs, *this)) {
        results.push_back(r.ToJson());
      }
    }
    result["claims"] = {{"specs", claims}, {"results", std::move(results)}};
  }
  return result;
}

Result<MatrixReport> MatrixReport::FromJson(const json& j) {
  MatrixReport m;
  try {
    if (j.at("schema").get<std::string>() != kMatrixSchemaId) {
      return Status::BadInput("not a " + std::string(kMatrixSchemaId) + " report");
    }
    m.tool_version = j.at("tool").at("version");
    m.name = j.at("matrix").at("name");
    m.spec_hash = j.at("matrix").at("spec_hash");
    m.cells_total = j.at("matrix").at("cells_total");
    m.shard_index = j.at("shard").at("index");
    m.shard_count = j.at("shard").at("count");
    m.out = j.at("out");
    m.duration_s = j.at("summary").at("duration_s");
    for (const json& cj : j.at("cells")) {
      CRASHLAB_ASSIGN_OR_RETURN(MatrixCell c, CellFromJson(cj));
      m.cells.push_back(std::move(c));
    }
    if (j.contains("claims")) {
      m.claims = j["claims"].at("specs");
      CRASHLAB_RETURN_IF_ERROR(ParseClaims(m.claims).status());
    }
  } catch (const json::exception& ex) {
    return Status::BadInput(std::string("malformed matrix report: ") + ex.what());
  }
  return m;
}

MatrixReport FromRunReport(const json& raw, const Report& r, const std::string& dir) {
  MatrixReport m;
  m.tool_version = r.tool_version;
  m.name = "run";
  m.cells_total = 1;
  m.out = dir;
  m.duration_s = r.summary.duration_s;
  m.single_run = true;
  MatrixCell c;
  c.name = "run";
  c.engine = r.engine.name;
  c.settings = r.engine.settings;
  c.crash = r.crash.mode;
  c.workload = r.workload.name;
  c.ops = r.workload.ops;
  c.seed = r.seed;
  c.dir = dir;
  c.exit_code = r.ExitCode();
  c.duration_s = r.summary.duration_s;
  c.raw = raw;
  c.report = r;
  m.cells.push_back(std::move(c));
  return m;
}

Result<MatrixReport> ReadResults(const std::string& path) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::BadInput(path + " is not valid JSON");
  }
  const std::string schema = j.value("schema", "");
  const std::string dir = Dirname(AbsolutePath(path));
  if (IsReportSchemaId(schema)) {
    auto r = Report::FromJson(j);
    if (!r.ok()) return r.status().Annotate(path);
    MatrixReport m = FromRunReport(j, *r, dir);
    LoadSweep(dir, &m.cells[0]);
    return m;
  }
  if (schema != kMatrixSchemaId) {
    return Status::BadInput(path + " is neither a crashlab run report nor a "
                            "matrix report (schema " + j["schema"].dump() + ")");
  }
  auto m = MatrixReport::FromJson(j);
  if (!m.ok()) return m.status().Annotate(path);
  for (MatrixCell& c : m->cells) LoadSweep(JoinPath(dir, c.dir), &c);
  return m;
}

Status WriteMatrixReport(const MatrixReport& m, const std::string& path) {
  const std::string tmp = path + ".tmp";
  CRASHLAB_RETURN_IF_ERROR(
      WriteStringToFile(
          tmp, m.ToJson().dump(2, ' ', false, json::error_handler_t::replace) + "\n",
          /*sync=*/true));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::FromErrno("cannot write " + path, errno);
  }
  return Status::Ok();
}

Result<MatrixReport> MergeMatrixReports(const std::vector<MatrixReport>& shards) {
  if (shards.empty()) return Status::InvalidArgument("no reports to merge");
  const MatrixReport& first = shards.front();
  MatrixReport m = first;
  m.cells.clear();
  m.shard_index = 0;
  m.shard_count = 1;
  m.duration_s = 0;
  std::set<int> shard_seen, cell_seen;
  for (const MatrixReport& s : shards) {
    if (s.single_run || s.spec_hash != first.spec_hash ||
        s.cells_total != first.cells_total || s.shard_count != first.shard_count) {
      return Status::InvalidArgument(
          "these reports are not shards of one matrix (the matrix file, its "
          "expansion or the shard count differ)");
    }
    if (!shard_seen.insert(s.shard_index).second) {
      return Status::InvalidArgument(fmt::format(
          "shard {}/{} is given twice", s.shard_index + 1, s.shard_count));
    }
    m.duration_s = std::max(m.duration_s, s.duration_s);
    for (const MatrixCell& c : s.cells) {
      if (!cell_seen.insert(c.index).second) {
        return Status::InvalidArgument("cell " + c.name + " appears in two shards");
      }
      m.cells.push_back(c);
    }
  }
  std::sort(m.cells.begin(), m.cells.end(),
            [](const MatrixCell& a, const MatrixCell& b) { return a.index < b.index; });
  return m;
}

}  // namespace crashlab

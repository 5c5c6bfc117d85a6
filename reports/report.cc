#include "reports/report.h"

#include <cstdio>

#include "core/files.h"

namespace crashlab {

using nlohmann::json;

namespace {

json CellJson(const CellReport& c) {
  return {{"cell", c.cell.ToString()},
          {"table", c.cell.table},
          {"key", c.cell.key},
          {"column", c.cell.column},
          {"expected", c.expected},
          {"observed", c.observed}};
}

json StateJson(const StateRef& s) {
  json ranges = json::array();
  for (const auto& [a, b] : s.dropped) ranges.push_back({a, b});
  return {{"id", s.id},
          {"model", s.model},
          {"position", s.position},
          {"dropped", ranges},
          {"dropped_count", s.dropped_count},
          {"torn_count", s.torn_count},
          {"image_hash", s.image_hash},
          {"ordinal", s.ordinal}};
}

StateRef StateFromJson(const json& st) {
  StateRef s;
  s.id = st.at("id");
  s.model = st.at("model");
  s.position = st.at("position");
  for (const json& range : st.at("dropped")) {
    s.dropped.emplace_back(range.at(0), range.at(1));
  }
  s.dropped_count = st.at("dropped_count");
  s.torn_count = st.at("torn_count");
  s.image_hash = st.at("image_hash");
  s.ordinal = st.value("ordinal", uint64_t{0});
  return s;
}

json RoundJson(const RoundReport& r) {
  json faults = json::array();
  for (const InjectedFault& f : r.faults) {
    faults.push_back({{"rule", f.rule},
                      {"action", f.action},
                      {"op", f.op},
                      {"path", f.path},
                      {"trace_index", f.trace_index},
                      {"during_op", f.during_op},
                      {"reaction", f.reaction}});
  }
  return {{"round", r.round},
          {"trigger", r.trigger},
          {"crash_position", r.crash_position},
          {"crash_at_s", r.crash_at_s},
          {"killed_during_op", r.killed_during_op},
          {"ops_acknowledged", r.ops_acknowledged},
          {"recovered", r.recovered},
          {"recovery_message", r.recovery_message},
          {"state_id", r.state_id},
          {"run_dir", r.run_dir},
          {"findings", r.findings},
          {"lost_acknowledged", r.lost_acknowledged},
          {"oldest_loss_s", r.oldest_loss_s},
          {"faults", faults},
          {"at_rest", r.at_rest}};
}

RoundReport RoundFromJson(const json& j) {
  RoundReport r;
  r.round = j.at("round");
  r.trigger = j.at("trigger");
  r.crash_position = j.at("crash_position");
  r.crash_at_s = j.at("crash_at_s");
  r.killed_during_op = j.at("killed_during_op");
  r.ops_acknowledged = j.at("ops_acknowledged");
  r.recovered = j.at("recovered");
  r.recovery_message = j.at("recovery_message");
  r.state_id = j.at("state_id");
  r.run_dir = j.at("run_dir");
  r.findings = j.at("findings");
  r.lost_acknowledged = j.value("lost_acknowledged", uint64_t{0});
  r.oldest_loss_s = j.value("oldest_loss_s", -1.0);
  for (const json& f : j.at("faults")) {
    r.faults.push_back({f.at("rule"), f.at("action"), f.at("op"), f.at("path"),
                        f.at("trace_index"), f.at("during_op"),
                        f.at("reaction")});
  }
  r.at_rest = j.at("at_rest").get<std::vector<std::string>>();
  return r;
}

json CrashJson(const Report::Crash& c) {
  json j = {{"mode", c.mode}, {"models", c.models}};
  if (c.mode != "explore") return j;
  json stats = json::array();
  for (const auto& m : c.model_stats) {
    stats.push_back({{"model", m.name},
                     {"states", m.states},
                     {"crash_points", m.crash_points},
                     {"exhaustive_points", m.exhaustive_points},
                     {"sampled_points", m.sampled_points}});
  }
  j["device"] = c.device;
  j["exhaustive_bound"] = c.exhaustive_bound;
  j["samples"] = c.samples;
  j["torn_writes"] = c.torn_writes;
  j["model_stats"] = stats;
  j["shard"] = {{"index", c.shard_index}, {"count", c.shard_count}};
  j["total_states"] = c.total_states;
  if (!c.outcomes.empty()) {
    json outcomes = json::array();
    for (const auto& o : c.outcomes) {
      outcomes.push_back({{"files", o.files},
                          {"states", o.states},
                          {"recovered", o.recovered},
                          {"with_findings", o.with_findings},
                          {"refused", o.refused}});
    }
    j["outcomes"] = std::move(outcomes);
  }
  return j;
}

Report::Crash CrashFromJson(const json& j) {
  Report::Crash c;
  c.mode = j.at("mode");
  c.models = j.at("models").get<std::vector<std::string>>();
  if (c.mode != "explore" || !j.contains("shard")) return c;
  c.device = j.at("device");
  c.exhaustive_bound = j.at("exhaustive_bound");
  c.samples = j.at("samples");
  c.torn_writes = j.at("torn_writes");
  for (const json& m : j.at("model_stats")) {
    c.model_stats.push_back({m.at("model"), m.at("states"), m.at("crash_points"),
                             m.at("exhaustive_points"), m.at("sampled_points")});
  }
  c.shard_index = j.at("shard").at("index");
  c.shard_count = j.at("shard").at("count");
  c.total_states = j.at("total_states");
  for (const json& o : j.value("outcomes", json::array())) {
    c.outcomes.push_back({o.at("files"), o.at("states"), o.at("recovered"),
                          o.at("with_findings"), o.at("refused")});
  }
  return c;
}

}  // namespace

bool IsReportSchemaId(const std::string& id) {
  return id == kReportSchemaId || id == kReportSchemaIdV1;
}

std::vector<std::pair<uint64_t, uint64_t>> ToRanges(
    const std::vector<uint32_t>& sorted) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (uint32_t i : sorted) {
    if (!out.empty() && out.back().second + 1 == i) {
      out.back().second = i;
    } else {
      out.emplace_back(i, i);
    }
  }
  return out;
}

json Report::ToJson() const {
  json findings_json = json::array();
  for (const ReportFinding& f : findings) {
    json ops_json = json::array();
    for (const OpRef& o : f.ops) {
      ops_json.push_back(
          {{"id", o.id}, {"f", o.f}, {"args", o.args}, {"status", o.status}});
    }
    json cells_json = json::array();
    for (const CellReport& c : f.cells) cells_json.push_back(CellJson(c));
    json fj = {{"id", f.id},
               {"fingerprint", f.fingerprint},
               {"run_dir", f.run_dir},
               {"kind", FindingKindName(f.kind)},
               {"summary", f.summary},
               {"explanation", f.explanation},
               {"ops", ops_json},
               {"cells", cells_json},
               {"crash_state", StateJson(f.state)},
               {"states_affected", f.states_affected},
               {"models", f.models},
               {"replay", f.replay}};
    if (!f.message.empty()) fj["message"] = f.message;
    if (f.round > 0) fj["round"] = f.round;
    if (!f.class_id.empty()) fj["class"] = f.class_id;
    if (f.minimized) {
      fj["minimal_state"] = StateJson(f.minimal);
      fj["minimize"] = {{"tests", f.minimize_tests},
                        {"complete", f.minimize_complete}};
    }
    findings_json.push_back(std::move(fj));
  }
  json by_kind = json::object();
  for (FindingKind k : kAllFindingKinds) by_kind[FindingKindName(k)] = 0;
  for (const auto& [k, n] : summary.by_kind) by_kind[k] = n;
  json j = {
      {"schema", kReportSchemaId},
      {"tool", {{"name", "crashlab"}, {"version", tool_version}}},
      {"engine",
       {{"name", engine.name},
        {"version", engine.version},
        {"settings", engine.settings},
        {"claim",
         {{"kind", engine.claim_kind},
          {"window_s", engine.claim_window_s},
          {"window_ops", engine.claim_order.window_ops},
          {"prefix", PrefixScopeName(engine.claim_order.prefix)},
          {"sync_barrier", engine.claim_order.sync_barrier},
          {"basis", engine.claim_basis}}}}},
      {"workload",
       {{"name", workload.name},
        {"ops", workload.ops},
        {"seed", workload.seed},
        {"clients", workload.clients}}},
      {"crash", CrashJson(crash)},
      {"seed", seed},
      {"trace",
       {{"path", trace.path},
        {"records", trace.records},
        {"base", trace.base}}},
      {"summary",
       {{"verdict", summary.verdict},
        {"reason", summary.reason},
        {"ops_invoked", summary.ops_invoked},
        {"ops_acknowledged", summary.ops_acknowledged},
        {"ops_failed", summary.ops_failed},
        {"ops_unknown", summary.ops_unknown},
        {"crash_states", summary.crash_states},
        {"unique_images", summary.unique_images},
        {"states_checked", summary.states_checked},
        {"recoveries", summary.recoveries},
        {"by_kind", by_kind},
        {"findings_omitted", findings_omitted},
        {"duration_s", summary.duration_s}}},
      {"findings", findings_json},
  };
  json classes_json = json::array();
  for (const FindingClass& c : classes) classes_json.push_back(c.ToJson());
  j["classes"] = std::move(classes_json);
  if (loss_shape.measured()) j["loss_shape"] = loss_shape.ToJson();
  if (!rounds.empty()) {
    json rounds_json = json::array();
    for (const RoundReport& round : rounds) rounds_json.push_back(RoundJson(round));
    j["rounds"] = rounds_json;
  }
  if (!faults_plan.empty()) j["faults"] = {{"plan", faults_plan}};
  if (!isolation.is_null()) j["isolation"] = isolation;
  if (headers.states > 0) j["headers"] = headers.ToJson();
  return j;
}

namespace {

// Keys whose values are real numbers; every other number of a report is a
// count, and a fraction there (2.5e52 in "position") would turn into an
// integer with undefined behaviour. The isolation section is opaque.
bool RealValued(const std::string& key) {
  return key == "crash_at_s" || key == "window_s" || key == "duration_s" ||
         key == "oldest_loss_s" || key == "max_lost_s";
}

// The first key (a path) holding a fraction where a count belongs.
std::string FractionWhereCountBelongs(const json& j, const std::string& path) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "isolation" && path.empty()) continue;
      if (v.is_number_float() && !RealValued(k)) return path + "/" + k;
      const std::string found = FractionWhereCountBelongs(v, path + "/" + k);
      if (!found.empty()) return found;
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string at = path + "/" + std::to_string(i);
      if (j[i].is_number_float()) return at;
      const std::string found = FractionWhereCountBelongs(j[i], at);
      if (!found.empty()) return found;
    }
  }
  return "";
}

}  // namespace

Result<Report> Report::FromJson(const json& j) {
  Report r;
  const std::string fraction = FractionWhereCountBelongs(j, "");
  if (!fraction.empty()) {
    return Status::BadInput("bad report: " + fraction +
                            " holds a fraction where a count belongs");
  }
  try {
    if (!j.at("schema").is_string() || !IsReportSchemaId(j.at("schema"))) {
      return Status::BadInput("not a " + std::string(kReportSchemaId) +
                              " (or /1) report (schema is " +
                              j.at("schema").dump() + ")");
    }
    r.tool_version = j.at("tool").at("version").get<std::string>();
    const json& e = j.at("engine");
    r.engine.name = e.at("name");
    r.engine.version = e.at("version");
    r.engine.settings = e.at("settings").get<std::map<std::string, std::string>>();
    r.engine.claim_kind = e.at("claim").at("kind");
    r.engine.claim_window_s = e.at("claim").at("window_s");
    r.engine.claim_basis = e.at("claim").at("basis");
    const json& claim = e.at("claim");
    r.engine.claim_order.window_ops = claim.value("window_ops", uint64_t{0});
    r.engine.claim_order.sync_barrier = claim.value("sync_barrier", false);
    if (!PrefixScopeFromName(claim.value("prefix", "none"),
                             &r.engine.claim_order.prefix)) {
      return Status::BadInput("unknown prefix scope " + claim["prefix"].dump());
    }
    const json& w = j.at("workload");
    r.workload = {w.at("name"), w.at("ops"), w.at("seed"), w.at("clients")};
    r.crash = CrashFromJson(j.at("crash"));
    r.seed = j.at("seed");
    r.trace = {j.at("trace").at("path"), j.at("trace").at("records"),
               j.at("trace").at("base")};
    const json& s = j.at("summary");
    r.summary.verdict = s.at("verdict");
    r.summary.reason = s.at("reason");
    r.summary.ops_invoked = s.at("ops_invoked");
    r.summary.ops_acknowledged = s.at("ops_acknowledged");
    r.summary.ops_failed = s.at("ops_failed");
    r.summary.ops_unknown = s.at("ops_unknown");
    r.summary.crash_states = s.at("crash_states");
    r.summary.unique_images = s.at("unique_images");
    r.summary.states_checked = s.at("states_checked");
    r.summary.recoveries = s.at("recoveries");
    r.summary.by_kind = s.at("by_kind").get<std::map<std::string, uint64_t>>();
    r.summary.duration_s = s.at("duration_s");
    r.findings_omitted = s.at("findings_omitted");
    for (const json& fj : j.at("findings")) {
      ReportFinding f;
      f.id = fj.at("id");
      if (!FindingKindFromName(fj.at("kind"), &f.kind)) {
        return Status::BadInput("unknown finding kind " + fj.at("kind").dump());
      }
      f.summary = fj.at("summary");
      f.explanation = fj.at("explanation");
      for (const json& o : fj.at("ops")) {
        f.ops.push_back({o.at("id"), o.at("f"), o.at("args"), o.at("status")});
      }
      for (const json& c : fj.at("cells")) {
        f.cells.push_back({{c.at("table"), c.at("key"), c.at("column")},
                           c.at("expected"),
                           c.at("observed")});
      }
      f.message = fj.value("message", "");
      f.state = StateFromJson(fj.at("crash_state"));
      f.round = fj.value("round", 0);
      f.fingerprint = fj.at("fingerprint");
      f.run_dir = fj.at("run_dir");
      if (fj.contains("minimal_state")) {
        f.minimized = true;
        f.minimal = StateFromJson(fj["minimal_state"]);
        f.minimize_tests = fj.at("minimize").at("tests");
        f.minimize_complete = fj.at("minimize").at("complete");
      }
      f.states_affected = fj.at("states_affected");
      f.models = fj.at("models").get<std::vector<std::string>>();
      f.replay = fj.at("replay");
      f.class_id = fj.value("class", "");
      r.findings.push_back(std::move(f));
    }
    if (j.contains("rounds")) {
      for (const json& round : j["rounds"]) r.rounds.push_back(RoundFromJson(round));
    }
    if (j.contains("faults")) r.faults_plan = j["faults"].at("plan");
    if (j.contains("isolation")) r.isolation = j["isolation"];
    if (j.contains("headers")) r.headers = formats::HeaderSummary::FromJson(j["headers"]);
    for (const json& c : j.value("classes", json::array())) {
      CRASHLAB_ASSIGN_OR_RETURN(FindingClass fc, FindingClass::FromJson(c));
      r.classes.push_back(std::move(fc));
    }
    if (j.contains("loss_shape")) {
      CRASHLAB_ASSIGN_OR_RETURN(r.loss_shape,
                                LossShape::FromJson(j["loss_shape"]));
    }
  } catch (const json::exception& ex) {
    return Status::BadInput(std::string("malformed report: ") + ex.what());
  }
  return r;
}

int Report::ExitCode() const {
  if (summary.verdict == "pass") return kExitPass;
  if (summary.verdict == "fail") return kExitFindings;
  if (summary.verdict == "incomplete") return kExitIncomplete;
  return kExitInfrastructure;
}

Status WriteReport(const Report& r, const std::string& path) {
  // Written beside, then renamed: a reader never sees half a report.
  // Engines' own words may hold bytes that are not UTF-8 (skyd printing a
  // damaged journal's path or contents): replaced (U+FFFD), never a crash.
  const std::string tmp = path + ".tmp";
  CRASHLAB_RETURN_IF_ERROR(WriteStringToFile(
      tmp, r.ToJson().dump(2, ' ', false, json::error_handler_t::replace) + "\n",
      /*sync=*/true));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::FromErrno("cannot write " + path, errno);
  }
  return Status::Ok();
}

Result<Report> ReadReport(const std::string& path) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::BadInput(path + " is not valid JSON");
  auto r = Report::FromJson(j);
  if (!r.ok()) return r.status().Annotate(path);
  return r;
}

}  // namespace crashlab

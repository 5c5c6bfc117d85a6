#include "harness/live/crash_plan.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/record/timeline.h"

namespace crashlab {

std::string RoundPlan::Describe() const {
  if (!at_mark.empty()) return "right after mark " + at_mark;
  if (at_ms >= 0) return fmt::format("{} ms into the round", at_ms);
  if (kill_op) {
    return fmt::format("at file operation {} of operation {} of the round",
                       after_fs_ops, kill_op);
  }
  return "after the round's last operation";
}

std::vector<RoundPlan> PlanRounds(const Trigger& t, uint64_t total_ops,
                                  int rounds, Rng& rng) {
  std::vector<RoundPlan> out;
  const uint64_t per = (total_ops + rounds - 1) / rounds;
  uint64_t left = total_ops;
  for (int r = 1; r <= rounds; ++r) {
    RoundPlan p;
    p.round = r;
    p.ops = std::min(per, left);
    left -= p.ops;
    switch (t.kind) {
      case Trigger::Kind::kRandom:
        if (p.ops > 0) {
          p.kill_op = 1 + rng.Uniform(p.ops);
          p.after_fs_ops = 1 + rng.Uniform(8);
        }
        break;
      case Trigger::Kind::kAtOp:
        p.kill_op = std::min(t.op, p.ops);
        p.after_fs_ops = 1 + rng.Uniform(8);
        break;
      case Trigger::Kind::kAtTime:
        // A range spreads the crash over a timer's phase (a flush every
        // rs_window seconds): the loss window shows only so.
        p.at_ms = t.time_max_ms > t.time_ms
                      ? t.time_ms + static_cast<int64_t>(rng.Uniform(
                                        static_cast<uint64_t>(t.time_max_ms - t.time_ms) + 1))
                      : t.time_ms;
        break;
      case Trigger::Kind::kAtMark:
        p.at_mark = t.mark;
        break;
    }
    out.push_back(p);
  }
  return out;
}

Result<TearGranularity> ParseTear(const std::string& name) {
  if (name == "none") return TearGranularity::kNone;
  if (name == "sector") return TearGranularity::kSector;
  if (name == "page") return TearGranularity::kPage;
  if (name == "byte") return TearGranularity::kByte;
  return Status::InvalidArgument("unknown --tear '" + name +
                                 "' (none, sector, page, byte)");
}

const char* TearName(TearGranularity g) {
  switch (g) {
    case TearGranularity::kNone:
      return "none";
    case TearGranularity::kSector:
      return "sector";
    case TearGranularity::kPage:
      return "page";
    case TearGranularity::kByte:
      return "byte";
  }
  return "?";
}

std::string TearLastWrite(const Trace& trace, TearGranularity g, Rng& rng,
                          CrashState* state) {
  if (g == TearGranularity::kNone) return "";
  auto it = std::find_if(state->dropped.rbegin(), state->dropped.rend(),
                         [&](uint32_t i) {
                           return trace.records[i].op == Op::kWrite &&
                                  trace.records[i].data.size() > 1;
                         });
  if (it == state->dropped.rend()) return "";
  const Record& w = trace.records[*it];
  const uint64_t unit = g == TearGranularity::kSector ? 512
                        : g == TearGranularity::kPage ? 4096
                                                      : 1;
  // Cut points strictly inside the write, on unit boundaries of the file.
  std::vector<uint64_t> cuts;
  for (uint64_t b = (w.offset / unit + 1) * unit; b < w.offset + w.data.size();
       b += unit) {
    cuts.push_back(b - w.offset);
  }
  if (cuts.empty()) return "";
  const uint64_t keep = cuts[rng.Uniform(cuts.size())];
  const uint32_t index = *it;
  state->dropped.erase(std::next(it).base());
  Tear tear{.index = index, .keep = {{0, keep}}};
  auto pos = std::lower_bound(
      state->torn.begin(), state->torn.end(), index,
      [](const Tear& t, uint32_t i) { return t.index < i; });
  state->torn.insert(pos, tear);
  return fmt::format("write #{} ({} bytes at offset {}) torn after {} bytes",
                     index, w.data.size(), w.offset, keep);
}

namespace {

struct OpMarks {
  size_t invoke = SIZE_MAX, done = SIZE_MAX;
  std::string outcome;  // ok | fail | info | "" (never answered)
};

std::map<uint64_t, OpMarks> ReadMarks(const Trace& trace) {
  std::map<uint64_t, OpMarks> marks;
  for (size_t i = trace.first_op; i < trace.records.size(); ++i) {
    const Record& r = trace.records[i];
    if (r.op != Op::kMark) continue;
    std::string what;
    uint64_t id = 0;
    if (!ParseMark(r.data, &what, &id)) continue;
    if (what == "invoke") {
      marks[id].invoke = i;
    } else if (what == "ok" || what == "fail" || what == "info") {
      marks[id].done = i;
      marks[id].outcome = what;
    }
  }
  return marks;
}

bool KillsEngine(const std::string& action) {
  return action == "kill" || action == "crash" || action == "torn" ||
         action == "torn-seq" || action == "torn-op";
}

}  // namespace

std::vector<InjectedFault> ClassifyFaults(const Trace& trace,
                                          const std::vector<LogicalOp>& ops) {
  const auto marks = ReadMarks(trace);
  std::vector<InjectedFault> out;
  for (size_t i = trace.first_op; i < trace.records.size(); ++i) {
    const Record& r = trace.records[i];
    if (r.op != Op::kFault) continue;
    const nlohmann::json j = nlohmann::json::parse(r.data, nullptr, false);
    InjectedFault f;
    f.trace_index = i;
    if (j.is_object()) {
      f.rule = j.value("rule", "");
      f.action = j.value("action", "");
      f.op = j.value("op", "");
      f.path = j.value("path", "");
    }
    for (const LogicalOp& op : ops) {
      auto m = marks.find(op.id);
      if (m == marks.end() || m->second.invoke > i || m->second.done < i) {
        continue;
      }
      f.during_op = op.id;
      const OpMarks& om = m->second;
      if (KillsEngine(f.action)) {
        f.reaction = "killed_by_fault";
      } else if (om.outcome.empty()) {
        f.reaction = "crashed";
      } else if (om.outcome == "fail" || om.outcome == "info") {
        f.reaction = "returned_error";
      } else {
        // Acknowledged: did a real sync of the same file follow the fault?
        f.reaction = "acknowledged_anyway";
        for (size_t k = i + 1; k < om.done; ++k) {
          const Record& s = trace.records[k];
          if (IsSyncOp(s.op) && s.file == r.file && r.file != 0 &&
              !(s.tags & kTagNoBarrier)) {
            f.reaction = "retried";
            break;
          }
        }
      }
      break;
    }
    if (f.reaction.empty()) {
      f.reaction = KillsEngine(f.action) ? "killed_by_fault"
                                         : "between_operations";
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace crashlab

#include "faultfs/fault_engine.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace crashlab::faultfs {

FaultEngine::FaultEngine(FaultPlan plan)
    : seed_(plan.seed), start_(std::chrono::steady_clock::now()) {
  for (FaultRule& r : plan.rules) {
    rules_.push_back(std::make_unique<Matcher>(std::move(r), seed_));
  }
  UpdateInterest();
}

void FaultEngine::UpdateInterest() {
  uint32_t ops = 0;
  for (const auto& m : rules_) {
    // Corruption happens between runs (the harness), not in the data path.
    if (m->rule().action.kind != ActionKind::kCorrupt) ops |= m->rule().ops;
  }
  watched_.store(ops);
}

crashlab::Status FaultEngine::AddRule(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& m : rules_) {
    if (m->rule().id == rule.id) {
      return Status::InvalidArgument(
          "rule id \"" + rule.id +
          "\" is already in use; give the rule another id");
    }
  }
  rules_.push_back(std::make_unique<Matcher>(std::move(rule), seed_));
  UpdateInterest();
  return Status::Ok();
}

std::string FaultEngine::NextRuleId() {
  std::lock_guard<std::mutex> lock(mu_);
  for (;;) {
    std::string id = "injected-" + std::to_string(++injected_);
    bool taken = false;
    for (const auto& m : rules_) taken = taken || m->rule().id == id;
    if (!taken) return id;
  }
}

bool FaultEngine::Interested(FaultOp op, bool state_changing) const {
  return (watched_.load() & Bit(op)) || (state_changing && kill_armed_.load());
}

uint64_t FaultEngine::ElapsedMs() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start_)
          .count());
}

FaultDecision FaultEngine::Decide(const OpEvent& e, bool state_changing,
                                  uint64_t offset, uint64_t length) {
  FaultDecision d;
  std::lock_guard<std::mutex> lock(mu_);
  if (state_changing && kill_at_ > 0 && --kill_at_ == 0) {
    kill_armed_.store(false);
    d.kill_at = true;
    return d;
  }
  Matcher* acting = nullptr;
  for (const auto& m : rules_) {
    if (m->rule().action.kind == ActionKind::kCorrupt || !m->Match(e)) continue;
    if (m->rule().action.kind == ActionKind::kDelay) {
      m->Fired();
      d.delay_ms += m->rule().action.delay_ms;
      d.delays.emplace_back(m->rule().id, m->rule().action.delay_ms);
    } else if (acting == nullptr) {
      acting = m.get();
    }
  }
  if (acting == nullptr) return d;
  acting->Fired();
  d.fires = true;
  d.rule_id = acting->rule().id;
  d.action = acting->rule().action;
  if (d.action.kind == ActionKind::kTorn) {
    const uint64_t keep = TornKeepLength(offset, length, d.action.granularity,
                                         d.action.keep_fraction, acting->rng());
    d.keep.emplace_back(0, keep);
  } else if (d.action.kind == ActionKind::kTornOp) {
    d.keep = TornOpKeep(d.action, length);
  }
  return d;
}

namespace {
crashlab::Status CheckGroup(pid_t pgid) {
  if (pgid < 2) {
    return crashlab::Status::InvalidArgument(
        "target pgid must be a process group id above 1");
  }
  if (pgid == ::getpgrp()) {
    return crashlab::Status::InvalidArgument(
        "target pgid " + std::to_string(pgid) +
        " is faultfs's own process group; start the engine in its own group");
  }
  return crashlab::Status::Ok();
}
}  // namespace

crashlab::Status FaultEngine::SetTarget(pid_t pgid) {
  if (pgid != 0) CRASHLAB_RETURN_IF_ERROR(CheckGroup(pgid));
  std::lock_guard<std::mutex> lock(mu_);
  target_ = pgid;
  also_.clear();
  fenced_.clear();
  fence_up_.store(false);
  return Status::Ok();
}

crashlab::Status FaultEngine::AddTarget(pid_t pgid) {
  CRASHLAB_RETURN_IF_ERROR(CheckGroup(pgid));
  std::lock_guard<std::mutex> lock(mu_);
  if (target_ == 0) {
    return Status::InvalidArgument("set a target before adding groups to it");
  }
  if (pgid != target_) also_.push_back(pgid);
  return Status::Ok();
}

nlohmann::json FaultEngine::KillTarget() {
  std::lock_guard<std::mutex> lock(mu_);
  if (target_ == 0) return {{"no_target", true}};
  nlohmann::json j = {{"pgid", target_}};
  // The tree before the kill: once the group leader is gone, the others'
  // parent chains no longer lead to it.
  std::vector<pid_t> groups = also_;
  groups.push_back(target_);
  fenced_ = ProcessTreeOfGroups(groups);
  fence_up_.store(!fenced_.empty());  // nothing to fence: no /proc reads
  if (::kill(-target_, SIGKILL) != 0) {
    j["kill_error"] = std::strerror(errno);
  } else {
    killed_ = true;
    ++kills_;
  }
  if (!also_.empty()) {
    j["also"] = also_;
    for (pid_t g : also_) (void)::kill(-g, SIGKILL);  // ESRCH: already gone
  }
  return j;
}

bool FaultEngine::Fenced(pid_t pid) {
  if (!fence_up_.load(std::memory_order_relaxed) || pid <= 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  // `pid` is a thread's id; a process forked after the kill's snapshot
  // descends from one in it.
  if (!DescendsFrom(pid, fenced_)) return false;
  ++fenced_ops_;
  return true;
}

uint64_t FaultEngine::fenced_ops() {
  std::lock_guard<std::mutex> lock(mu_);
  return fenced_ops_;
}

void FaultEngine::ArmKillAt(uint64_t after_ops) {
  std::lock_guard<std::mutex> lock(mu_);
  kill_at_ = after_ops;
  kill_armed_.store(after_ops > 0);
}

nlohmann::json FaultEngine::StatusJson() {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json fired = nlohmann::json::array();
  for (const auto& m : rules_) {
    fired.push_back({{"rule", m->rule().id},
                     {"count", m->fired()},
                     {"matches", m->matches()}});
  }
  return {{"fired", fired},    {"killed", killed_},   {"kills", kills_},
          {"target", target_}, {"also", also_},       {"kill_at", kill_at_},
          {"fenced", fenced_ops_},
          {"seed", seed_}};
}

}  // namespace crashlab::faultfs

#include "checkers/auth_invariants.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "checkers/check_index.h"

namespace crashlab {

using nlohmann::json;

namespace {

std::string UserOf(const json& args) { return AuthUserOf(args); }

Finding Violation(std::string summary, std::vector<uint64_t> ops,
                  std::vector<CellReport> cells = {}) {
  Finding f;
  f.kind = FindingKind::kInvariant;
  f.summary = std::move(summary);
  f.ops = std::move(ops);
  f.cells = std::move(cells);
  return f;
}

bool Invoked(const CheckInput& in, size_t op) {
  return in.status[op] != OpStatus::kNotInvoked;
}

// Users whose model may have drifted: an operation on them whose outcome
// the client never learned (in flight) was followed by another invoked
// operation on them. O(in-flight operations x their users' operations).
std::set<std::string> DriftedUsers(const CheckInput& in) {
  std::set<std::string> drifted;
  for (size_t i = 0; i < in.ops.size(); ++i) {
    if (in.status[i] != OpStatus::kInFlight) continue;
    const std::string u = UserOf(in.ops[i].args);
    const std::vector<uint32_t>* ops = in.index->OpsOfUser(u);
    if (u.empty() || !ops || drifted.count(u)) continue;
    for (auto it = std::upper_bound(ops->begin(), ops->end(), i);
         it != ops->end(); ++it) {
      if (Invoked(in, *it)) {
        drifted.insert(u);
        break;
      }
    }
  }
  return drifted;
}

std::vector<uint64_t> IdsOf(const CheckInput& in, const std::string& user,
                            std::initializer_list<const char*> fs) {
  std::vector<uint64_t> ids;
  const std::vector<uint32_t>* ops = in.index->OpsOfUser(user);
  if (!ops) return ids;
  for (size_t i : *ops) {
    if (!Invoked(in, i)) continue;
    for (const char* f : fs) {
      if (in.ops[i].f == f) ids.push_back(in.ops[i].id);
    }
  }
  return ids;
}

// The id of the operation whose effect put `value` into `cell` (0: none).
uint64_t WriterOf(const CheckInput& in, const Cell& cell, const json& value,
                  const char* f = nullptr) {
  const int64_t at = in.index->Find(cell);
  if (at < 0) return 0;
  for (const CheckIndex::Writer& w : in.index->cells()[at].writers) {
    if (w.carried || !Invoked(in, w.op)) continue;
    if (f && in.ops[w.op].f != f) continue;
    if (*w.value == value) return in.ops[w.op].id;
  }
  return 0;
}

}  // namespace

bool IsAuthSchema(const Schema& schema) {
  const TableSchema* users = schema.Find("users");
  return users && schema.Find("sessions") && schema.Find("reset_tokens") &&
         users->key == "username";
}

void CheckAuthState(const CheckInput& in, std::vector<Finding>* out) {
  CheckAuthState(in, AuthFactsOf(in.schema, in.observed), out);
}

AuthRowFacts AuthFactsOf(const Schema& schema, const Observation& seen) {
  AuthRowFacts facts;
  if (!IsAuthSchema(schema) || seen.outcome != Observation::Outcome::kOk) {
    return facts;
  }
  facts.applies = true;
  static const std::map<std::string, json> kNone;
  const auto table = [&](const char* name) -> const std::map<std::string, json>& {
    auto t = seen.rows.find(name);
    return t == seen.rows.end() ? kNone : t->second;
  };
  const auto& users = table("users");
  std::map<std::string, int64_t> sessions;
  for (const auto& [sid, row] : table("sessions")) {
    const std::string u = UserOf(row);
    if (u.empty()) continue;  // a damaged row: the corruption oracle's
    ++sessions[u];
    if (!users.count(u)) facts.orphans.push_back({sid, u});
  }
  using Kind = AuthRowFacts::UserIssue::Kind;
  for (const auto& [u, row] : users) {
    if (!row.is_object()) continue;
    const json failed = row.value("failed", json());
    const json locked = row.value("locked", json());
    if (failed.is_number_integer() && locked.is_boolean()) {
      const int64_t n = failed.get<int64_t>();
      const bool is_locked = locked.get<bool>();
      if (n >= kAuthLockoutThreshold && !is_locked) {
        facts.users.push_back({u, Kind::kNotLocked, locked, n});
      } else if (is_locked && n < kAuthLockoutThreshold) {
        facts.users.push_back({u, Kind::kLockedEarly, failed, n});
      }
    }
    const json counter = row.value("sessions", json());
    const auto it = sessions.find(u);
    const int64_t have = it == sessions.end() ? 0 : it->second;
    if (counter.is_number_integer() && counter.get<int64_t>() != have) {
      facts.users.push_back({u, Kind::kSessions, counter, have});
    }
  }
  for (const auto& [token, row] : table("reset_tokens")) {
    const std::string u = UserOf(row);
    auto user = users.find(u);
    if (u.empty() || user == users.end()) continue;
    facts.tokens.push_back({token, u, user->second.value("pwhash", json())});
  }
  return facts;
}

void CheckAuthState(const CheckInput& given, const AuthRowFacts& facts,
                    std::vector<Finding>* out) {
  if (!facts.applies) return;
  std::optional<CheckIndex> local;
  CheckInput in = given;
  if (!in.index) {
    in.index = &local.emplace(in.schema, in.ops, in.whole_rows);
  }
  const std::set<std::string> drifted_users = DriftedUsers(in);
  const auto drifted = [&](const std::string& u) {
    return drifted_users.count(u) > 0;
  };
  for (const auto& [sid, u] : facts.orphans) {
    if (drifted(u)) continue;
    const uint64_t login = WriterOf(in, {"sessions", sid, ""}, true, "login");
    out->push_back(Violation(
        fmt::format("session {} belongs to user {}, who does not exist", sid, u),
        login ? std::vector<uint64_t>{login} : std::vector<uint64_t>{},
        {{{"users", u, ""}, true, false}}));
  }
  using Kind = AuthRowFacts::UserIssue::Kind;
  for (const AuthRowFacts::UserIssue& i : facts.users) {
    if (drifted(i.user)) continue;
    const std::string& u = i.user;
    switch (i.kind) {
      case Kind::kNotLocked:
        out->push_back(Violation(
            fmt::format("users[{}] has {} failed logins but is not locked: "
                        "the lockout was lost",
                        u, i.n),
            IdsOf(in, u, {"failed_login"}),
            {{{"users", u, "locked"}, true, i.value}}));
        break;
      case Kind::kLockedEarly:
        out->push_back(Violation(
            fmt::format("users[{}] is locked after only {} failed logins", u,
                        i.n),
            IdsOf(in, u, {"failed_login"}),
            {{{"users", u, "failed"}, kAuthLockoutThreshold, i.value}}));
        break;
      case Kind::kSessions: {
        const int64_t counter = i.value.get<int64_t>(), have = i.n;
        out->push_back(Violation(
            fmt::format("users[{}].sessions says {} but {} session{} exist{}",
                        u, counter, have, have == 1 ? "" : "s",
                        have == 1 ? "s" : ""),
            IdsOf(in, u, {"login", "logout"}),
            {{{"users", u, "sessions"}, have, i.value}}));
        break;
      }
    }
  }
  for (const AuthRowFacts::Token& t : facts.tokens) {
    if (drifted(t.user)) continue;
    const uint64_t reset =
        WriterOf(in, {"users", t.user, "pwhash"}, t.pwhash, "reset_password");
    const uint64_t requested =
        WriterOf(in, {"reset_tokens", t.token, ""}, true, "request_reset");
    if (reset != 0 && requested < reset) {
      out->push_back(Violation(
          fmt::format("reset token {} of {} is still there after reset_password "
                      "#{} consumed it: it can reset the password again",
                      t.token, t.user, reset),
          requested ? std::vector<uint64_t>{requested, reset}
                    : std::vector<uint64_t>{reset},
          {{{"reset_tokens", t.token, ""}, false, true}}));
    }
  }
}

std::vector<Finding> CheckAuthHistory(const History& history) {
  std::map<uint64_t, const Event*> invoked;
  std::map<std::string, std::vector<uint64_t>> failed;  // acked, per user
  std::map<std::string, int> tokens;                    // outstanding
  std::set<std::string> maybe_token;  // an in-flight request may have one
  std::map<std::string, uint64_t> last_reset;
  std::vector<Finding> out;
  for (const Event& e : history.events()) {
    if (e.type == EventType::kInvoke) {
      invoked[e.op] = &e;
      continue;
    }
    const std::string u = UserOf(e.value);
    if (u.empty()) continue;
    if (e.type == EventType::kInfo && e.f == "request_reset") maybe_token.insert(u);
    if (e.type != EventType::kOk) continue;
    if (e.f == "failed_login") {
      failed[u].push_back(e.op);
    } else if (e.f == "login" && failed[u].size() >= kAuthLockoutThreshold) {
      std::vector<uint64_t> ops = failed[u];
      ops.push_back(e.op);
      out.push_back(Violation(
          fmt::format("login #{} of {} was acknowledged after {} acknowledged "
                      "failed logins: the account should have been locked",
                      e.op, u, failed[u].size()),
          std::move(ops)));
    } else if (e.f == "request_reset") {
      ++tokens[u];
    } else if (e.f == "reset_password") {
      if (tokens[u] == 0 && !maybe_token.count(u) && last_reset.count(u)) {
        out.push_back(Violation(
            fmt::format("reset_password #{} of {} was acknowledged, but every "
                        "reset token of {} was consumed by reset_password #{} "
                        "and no new one was requested",
                        e.op, u, u, last_reset[u]),
            {last_reset[u], e.op}));
      }
      tokens[u] = 0;
      maybe_token.erase(u);
      last_reset[u] = e.op;
    }
  }
  return out;
}

}  // namespace crashlab

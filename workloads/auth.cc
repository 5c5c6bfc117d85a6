#include "workloads/auth.h"

#include <algorithm>
#include <utility>

#include "checkers/auth_invariants.h"

namespace crashlab {

static_assert(kLockoutThreshold == kAuthLockoutThreshold,
              "the invariant checker must lock at the workload's threshold");

using nlohmann::json;

namespace {

// Relative weights of each operation when it is possible at all.
struct Choice {
  const char* f;
  int weight;
};
constexpr Choice kChoices[] = {
    {"signup", 15},        {"login", 30},         {"logout", 15},
    {"failed_login", 20},  {"request_reset", 10}, {"reset_password", 10},
};

}  // namespace

AuthWorkload::AuthWorkload(uint64_t seed)
    : schema_(MakeSchema()), rng_(Rng(seed).Fork("auth")) {
  for (const auto& t : schema_.tables) model_[t.name];
}

Schema AuthWorkload::MakeSchema() {
  return Schema{{
      {"users",
       "username",
       {{"pwhash", ColumnType::kText},
        {"sessions", ColumnType::kInt},
        {"failed", ColumnType::kInt},
        {"locked", ColumnType::kBool}}},
      {"sessions", "id", {{"username", ColumnType::kText}}},
      {"attempts", "id", {{"username", ColumnType::kText}}},
      {"reset_tokens", "token", {{"username", ColumnType::kText}}},
  }};
}

std::string AuthWorkload::Hex(int digits) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s.push_back(kHex[rng_.Uniform(16)]);
  return s;
}

std::vector<std::string> AuthWorkload::KeysWhere(const std::string& table,
                                                 const std::string& column,
                                                 const json& value) const {
  std::vector<std::string> keys;
  auto t = model_.find(table);
  if (t == model_.end()) return keys;
  for (const auto& [key, row] : t->second) {
    if (row.value(column, json()) == value) keys.push_back(key);
  }
  return keys;
}

std::vector<std::string> AuthWorkload::UnlockedUsers() const {
  return KeysWhere("users", "locked", false);
}

LogicalOp AuthWorkload::Make(const std::string& f, json args,
                             std::vector<Mutation> mutations,
                             uint64_t process) {
  LogicalOp op;
  op.id = next_id_++;
  op.process = process;
  op.f = f;
  op.args = std::move(args);
  op.effects = EffectsOf(schema_, model_, mutations);
  op.mutations = std::move(mutations);
  return op;
}

LogicalOp AuthWorkload::Next(uint64_t process) {
  const auto unlocked = UnlockedUsers();
  const auto& sessions = model_["sessions"];
  std::vector<std::string> with_tokens;
  for (const auto& [token, row] : model_["reset_tokens"]) {
    with_tokens.push_back(row["username"].get<std::string>());
  }
  std::sort(with_tokens.begin(), with_tokens.end());
  with_tokens.erase(std::unique(with_tokens.begin(), with_tokens.end()),
                    with_tokens.end());

  auto possible = [&](const std::string& f) {
    if (f == "signup") return true;
    if (f == "login" || f == "failed_login") return !unlocked.empty();
    if (f == "logout") return !sessions.empty();
    if (f == "request_reset") return !model_["users"].empty();
    if (f == "reset_password") return !with_tokens.empty();
    return false;
  };
  int total = 0;
  for (const auto& c : kChoices) total += possible(c.f) ? c.weight : 0;
  int pick = static_cast<int>(rng_.Uniform(total));
  std::string f;
  for (const auto& c : kChoices) {
    if (!possible(c.f)) continue;
    if (pick < c.weight) {
      f = c.f;
      break;
    }
    pick -= c.weight;
  }

  const uint64_t id = next_id_;
  auto pick_of = [&](const std::vector<std::string>& v) {
    return v[rng_.Uniform(v.size())];
  };
  if (f == "signup") {
    const std::string user = "user-" + std::to_string(id);
    const std::string hash = "pw-" + std::to_string(id) + "-" + Hex(12);
    return Make(f, {{"username", user}, {"pwhash", hash}},
                {{MutationKind::kInsert, "users", user,
                  {{"pwhash", hash}, {"sessions", 0}, {"failed", 0},
                   {"locked", false}}}},
                process);
  }
  if (f == "login") {
    const std::string user = pick_of(unlocked);
    const std::string sid = "s-" + std::to_string(id) + "-" + Hex(8);
    return Make(f, {{"username", user}, {"session", sid}},
                {{MutationKind::kInsert, "sessions", sid, {{"username", user}}},
                 {MutationKind::kIncrement, "users", user, {{"sessions", 1}}}},
                process);
  }
  if (f == "logout") {
    std::vector<std::string> sids;
    for (const auto& [sid, row] : sessions) sids.push_back(sid);
    const std::string sid = pick_of(sids);
    const std::string user = sessions.at(sid)["username"].get<std::string>();
    return Make(f, {{"username", user}, {"session", sid}},
                {{MutationKind::kDelete, "sessions", sid, json::object()},
                 {MutationKind::kIncrement, "users", user, {{"sessions", -1}}}},
                process);
  }
  if (f == "failed_login") {
    const std::string user = pick_of(unlocked);
    const std::string aid = "a-" + std::to_string(id) + "-" + Hex(8);
    std::vector<Mutation> m = {
        {MutationKind::kInsert, "attempts", aid, {{"username", user}}},
        {MutationKind::kIncrement, "users", user, {{"failed", 1}}}};
    const int64_t failed = model_["users"][user]["failed"].get<int64_t>() + 1;
    if (failed >= kLockoutThreshold) {
      m.push_back({MutationKind::kUpdate, "users", user, {{"locked", true}}});
    }
    return Make(f, {{"username", user}, {"attempt", aid}, {"failed", failed}},
                std::move(m), process);
  }
  if (f == "request_reset") {
    std::vector<std::string> users;
    for (const auto& [u, row] : model_["users"]) users.push_back(u);
    const std::string user = pick_of(users);
    const std::string token = "t-" + std::to_string(id) + "-" + Hex(12);
    return Make(f, {{"username", user}, {"token", token}},
                {{MutationKind::kInsert, "reset_tokens", token,
                  {{"username", user}}}},
                process);
  }
  // reset_password
  const std::string user = pick_of(with_tokens);
  const std::string hash = "pw-" + std::to_string(id) + "-" + Hex(12);
  std::vector<Mutation> m = {
      {MutationKind::kUpdate, "users", user, {{"pwhash", hash}}}};
  for (const auto& token : KeysWhere("reset_tokens", "username", user)) {
    m.push_back({MutationKind::kDelete, "reset_tokens", token, json::object()});
  }
  return Make(f, {{"username", user}, {"pwhash", hash}}, std::move(m),
              process);
}

void AuthWorkload::Complete(const LogicalOp& op, bool applied) {
  if (!applied) return;
  for (const Mutation& m : op.mutations) ApplyMutation(schema_, m, &model_);
}

}  // namespace crashlab

#include "core/order_promise.h"

#include <sstream>

namespace crashlab {

const char* PrefixScopeName(PrefixScope s) {
  switch (s) {
    case PrefixScope::kNone:
      return "none";
    case PrefixScope::kPerClient:
      return "per_client";
    case PrefixScope::kGlobal:
      return "global";
  }
  return "none";
}

bool PrefixScopeFromName(const std::string& name, PrefixScope* s) {
  for (PrefixScope p :
       {PrefixScope::kNone, PrefixScope::kPerClient, PrefixScope::kGlobal}) {
    if (name == PrefixScopeName(p)) {
      *s = p;
      return true;
    }
  }
  return false;
}

std::string OrderPromise::ToString() const {
  std::string out;
  auto add = [&out](const std::string& word) {
    out += (out.empty() ? "" : " + ") + word;
  };
  if (prefix == PrefixScope::kGlobal) add("prefix (global)");
  if (prefix == PrefixScope::kPerClient) add("prefix (per client)");
  if (sync_barrier) add("sync-barrier");
  if (window_ops > 0) {
    add("last " + std::to_string(window_ops) +
        (window_ops == 1 ? " op" : " ops"));
  }
  return out.empty() ? "none" : out;
}

Result<OrderPromise> ParseOrderPromise(const std::string& list) {
  OrderPromise p;
  std::istringstream in(list);
  for (std::string word; std::getline(in, word, ',');) {
    const std::string ops = "window-ops:";
    if (word == "prefix") {
      p.prefix = PrefixScope::kGlobal;
    } else if (word == "prefix-per-client") {
      p.prefix = PrefixScope::kPerClient;
    } else if (word == "sync-barrier") {
      p.sync_barrier = true;
    } else if (word.rfind(ops, 0) == 0 && word.size() > ops.size() &&
               word.size() <= ops.size() + 9 &&
               word.find_first_not_of("0123456789", ops.size()) ==
                   std::string::npos &&
               std::stoull(word.substr(ops.size())) > 0) {
      p.window_ops = std::stoull(word.substr(ops.size()));
    } else {
      return Status::InvalidArgument(
          "'" + word +
          "' is not an order promise; allowed: prefix, prefix-per-client, "
          "sync-barrier, window-ops:N (N >= 1), comma-separated");
    }
  }
  return p;
}

}  // namespace crashlab

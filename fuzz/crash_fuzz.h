// crash_fuzz.h: a crash fuzzer for your own storage code (header-only).
//
// You write one struct with a pair of functions: "apply operations to my
// store on this file system" and "read everything back":
//
//   struct MyStore {
//     // Opens the store on `fs` (recovering whatever is there) and applies
//     // `ops` in order, calling ack(i) as soon as op i is acknowledged,
//     // i.e. the store promises it survives a crash. Stops at an error.
//     crashlab::Status Apply(crashlab::SimFs& fs,
//                            const std::vector<crashlab::KvOp>& ops,
//                            const std::function<void(size_t)>& ack);
//     // Opens the store on `fs` (recovering it) and returns every pair.
//     crashlab::Result<std::map<std::string, std::string>> ReadAll(
//         crashlab::SimFs& fs);
//   };
//   CRASHLAB_KV_CRASH_FUZZER(MyStore)  // defines LLVMFuzzerTestOneInput
//
// The struct may hold configuration but no state between the two calls:
// each opens the store from the file system, as a new process would.
//
// Link with crashlab_simfs and -fsanitize=fuzzer. Each execution draws
// 1..max_ops puts and deletes over a few keys from the input, runs Apply
// on an empty SimFs noting the trace position of every ack, picks a crash
// position in the trace (counted back from its end: an input that runs out
// crashes after the last ack, not before the first op), crashes there
// (SimFs::CrashAt: core's persistence models, the same as the explorer's),
// runs ReadAll, and checks a key-value oracle:
//   - every acknowledged put or delete is reflected, unless a later op on
//     the key (acknowledged, or the one in flight at the crash) replaced it;
//   - an op in flight at the crash may be there or not;
//   - no key holds a value that was never written to it, and no key that
//     was never written appears.
// A violation prints the ops with their status, what was read, and the
// crash (which records were lost or torn; core's crash state JSON), then
// aborts. RunKvCrashCycle() is the same check for unit tests, with
// RngChoices or ByteChoices and no libFuzzer.
//
// Every decision comes from the Choices; a Store must take its own
// randomness from nowhere else for runs to be reproducible. Global state:
// none beyond libFuzzer's entry point. Thread-safety: one cycle per thread.
#ifndef CRASHLAB_FUZZ_CRASH_FUZZ_H_
#define CRASHLAB_FUZZ_CRASH_FUZZ_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/choices.h"
#include "core/crash_space.h"
#include "core/status.h"
#include "fuzz/simfs/simfs.h"

namespace crashlab {

struct KvOp {
  enum class Kind : uint8_t { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // puts only
};

struct KvFuzzOptions {
  size_t max_ops = 24;
  size_t keys = 6;
  size_t max_value = 48;  // values are "<op>:" plus up to this many bytes
  SpaceConfig space = [] {
    SpaceConfig c;
    c.models = {Model::kPrefix, Model::kDropUnsynced, Model::kReorder,
                Model::kTorn};
    return c;
  }();
};

struct KvCycleResult {
  bool ok = true;
  std::string report;  // why not, for people
  size_t ops = 0;
  size_t acked = 0;
};

namespace crash_fuzz_internal {

using Value = std::optional<std::string>;  // nullopt: the key is absent

// Printable ASCII as is, other bytes as \xNN (values read back may be torn).
inline std::string Quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "\"";
}

inline std::string Show(const Value& v) { return v ? Quote(*v) : "absent"; }

inline std::vector<KvOp> DrawOps(Choices& c, const KvFuzzOptions& o) {
  std::vector<KvOp> ops(1 + c.Pick(o.max_ops));
  for (size_t i = 0; i < ops.size(); ++i) {
    KvOp& op = ops[i];
    op.key = "k" + std::to_string(c.Pick(o.keys));
    if (c.Pick(4) == 0) {
      op.kind = KvOp::Kind::kDelete;
      continue;
    }
    // Unique per op, so the oracle can tell who wrote what it reads.
    op.value = std::to_string(i) + ":";
    const size_t n = c.Pick(o.max_value + 1);
    for (size_t k = 0; k < n; ++k) op.value += char('a' + c.Pick(26));
  }
  return ops;
}

inline const char* StatusName(int s) {
  return s == 0 ? "acknowledged" : s == 1 ? "in flight" : "not invoked";
}

}  // namespace crash_fuzz_internal

// One crash-and-recover cycle of `store`, every decision from `choices`.
template <typename Store>
KvCycleResult RunKvCrashCycle(Store& store, Choices& choices,
                              const KvFuzzOptions& options = {}) {
  using crash_fuzz_internal::Show;
  using crash_fuzz_internal::Value;
  KvCycleResult result;
  const std::vector<KvOp> ops = crash_fuzz_internal::DrawOps(choices, options);
  result.ops = ops.size();
  SimFs fs;
  std::vector<size_t> acks;  // trace position when op i was acknowledged
  std::string usage;
  const Status applied = store.Apply(fs, ops, [&](size_t i) {
    if (i != acks.size()) usage = "ack(" + std::to_string(i) + ") out of order";
    acks.push_back(fs.position());
    fs.Mark("ack " + std::to_string(i));
  });
  if (!usage.empty() || !applied.ok()) {
    result.ok = false;
    result.report = "the store failed before any crash: " +
                    (usage.empty() ? applied.ToString() : usage) + "\n";
    return result;
  }
  // Counted back from the end: an input that ran out crashes after the
  // last op returned, not before the first (which would check nothing).
  const size_t first = fs.trace().first_op;
  const size_t p = fs.position() - choices.Pick(fs.position() - first + 1);
  fs.CrashAt(p, choices, options.space);

  // Status at the crash: 0 acknowledged, 1 in flight, 2 not invoked.
  std::vector<int> status(ops.size(), 2);
  for (size_t i = 0; i < ops.size(); ++i) {
    const size_t begin = i == 0 ? first : acks[i - 1];
    if (i < acks.size() && acks[i] <= p) status[i] = 0, ++result.acked;
    else if (p > begin && (i == 0 || status[i - 1] == 0)) status[i] = 1;
  }
  auto read = store.ReadAll(fs);
  std::string problems;
  std::map<std::string, std::string> seen;
  if (!read.ok()) {
    problems += "  recovery failed: " + read.status().ToString() + "\n";
  } else {
    seen = *read;
  }
  std::set<std::string> keys;
  for (const KvOp& op : ops) keys.insert(op.key);
  for (const auto& [k, v] : seen) keys.insert(k);
  for (const std::string& key : keys) {
    if (!read.ok()) break;
    std::vector<Value> allowed = {std::nullopt};
    std::vector<Value> written;
    std::optional<size_t> last_acked;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].key != key) continue;
      const Value v = ops[i].kind == KvOp::Kind::kPut ? Value(ops[i].value)
                                                      : std::nullopt;
      written.push_back(v);
      if (status[i] == 0) allowed = {v}, last_acked = i;
      if (status[i] == 1) allowed.push_back(v);
    }
    auto it = seen.find(key);
    const Value got = it == seen.end() ? Value() : Value(it->second);
    if (std::find(allowed.begin(), allowed.end(), got) != allowed.end()) {
      continue;
    }
    const bool never = got && std::find(written.begin(), written.end(), got) ==
                                  written.end();
    problems += "  " + key + ": read " + Show(got) + "; " +
                (never ? "no operation wrote that"
                 : last_acked
                     ? "op #" + std::to_string(*last_acked) +
                           " was acknowledged and left " + Show(allowed[0])
                     : "expected " + Show(allowed[0])) +
                "\n";
  }
  if (problems.empty()) return result;
  result.ok = false;
  result.report = "crashlab crash fuzz: the store broke its promise\n" +
                  problems + "operations (status at the crash):\n";
  for (size_t i = 0; i < ops.size(); ++i) {
    result.report += "  #" + std::to_string(i) + " " +
                     (ops[i].kind == KvOp::Kind::kPut
                          ? "put " + ops[i].key + " = " +
                                crash_fuzz_internal::Quote(ops[i].value)
                          : "delete " + ops[i].key) +
                     ": " + crash_fuzz_internal::StatusName(status[i]) + "\n";
  }
  result.report += fs.DescribeLastCrash() + "\ncrash state: " +
                   fs.LastCrashJson().dump() + "\n";
  return result;
}

}  // namespace crashlab

// Defines libFuzzer's entry point for `Store` (see the top of this file).
#define CRASHLAB_KV_CRASH_FUZZER(Store)                                     \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    ::crashlab::ByteChoices choices(                                        \
        std::string_view(reinterpret_cast<const char*>(data), size));       \
    Store store{};                                                          \
    const ::crashlab::KvCycleResult r =                                     \
        ::crashlab::RunKvCrashCycle(store, choices);                        \
    if (!r.ok) {                                                            \
      std::fputs(r.report.c_str(), stderr);                                 \
      std::abort();                                                         \
    }                                                                       \
    return 0;                                                               \
  }

#endif  // CRASHLAB_FUZZ_CRASH_FUZZ_H_

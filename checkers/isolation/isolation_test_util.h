// Test helpers: hand-made transactional histories written as EDN mops, and
// the set of anomaly types a check found. Tests only.
#ifndef CRASHLAB_CHECKERS_ISOLATION_ISOLATION_TEST_UTIL_H_
#define CRASHLAB_CHECKERS_ISOLATION_ISOLATION_TEST_UTIL_H_

#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/isolation.h"

namespace crashlab {

// Builds an EDN history event by event, in call order:
//   HistoryBuilder b;
//   b.Txn(0, "[[:append :x 1]]");           // invoke + ok, back to back
//   int t = b.Begin(1); ... b.End(t, "ok", "[[:r :x [1]]]");  // overlapping
class HistoryBuilder {
 public:
  HistoryBuilder& Txn(int process, const std::string& mops,
                      const std::string& type = "ok") {
    End(Begin(process), mops, type);
    return *this;
  }
  int Begin(int process) {
    text_ += fmt::format("{{:type :invoke, :f :txn, :value nil, :process {}, "
                         ":time {}, :index {}}}\n",
                         process, index_ * 10, index_);
    ++index_;
    processes_.push_back(process);
    return static_cast<int>(processes_.size()) - 1;
  }
  void End(int txn, const std::string& mops, const std::string& type = "ok") {
    text_ += fmt::format("{{:type :{}, :f :txn, :value {}, :process {}, "
                         ":time {}, :index {}}}\n",
                         type, mops, processes_[txn], index_ * 10, index_);
    ++index_;
  }
  const std::string& edn() const { return text_; }
  TxnHistory Build() const {
    auto h = ParseTxnHistory(text_, HistoryFormat::kEdn);
    EXPECT_TRUE(h.ok()) << h.status().message() << "\n" << text_;
    return h.ok() ? std::move(h).value() : TxnHistory();
  }

 private:
  std::string text_;
  int index_ = 0;
  std::vector<int> processes_;
};

inline IsolationResult Check(const TxnHistory& h, bool realtime = false,
                             bool process = false) {
  IsolationOptions o;
  o.realtime = realtime;
  o.process = process;
  auto r = CheckIsolation(h, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : IsolationResult();
}

inline std::set<std::string> Types(const IsolationResult& r) {
  std::set<std::string> out;
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    if (r.anomaly_counts[i]) out.insert(AnomalyTypeName(static_cast<AnomalyType>(i)));
  }
  return out;
}

inline const Anomaly* Find(const IsolationResult& r, AnomalyType t) {
  for (const Anomaly& a : r.examples) {
    if (a.type == t) return &a;
  }
  return nullptr;
}

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_ISOLATION_TEST_UTIL_H_

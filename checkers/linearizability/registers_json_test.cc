#include "checkers/linearizability/registers_json.h"

#include <gtest/gtest.h>

namespace crashlab::linearizability {
namespace {

// Key 1: T0 writes 1, T1 writes 2, T2 (after both) reads 1: a stale read.
TxnHistory StaleRead() {
  TxnHistory h;
  const uint32_t k = h.KeyId(AtomTable::Int(1));
  uint64_t at = 0;
  auto txn = [&](auto add) {
    const uint32_t t = h.Invoke(0, at, at);
    ++at;
    add(t);
    h.Complete(t, TxnType::kOk, at, at);
    ++at;
  };
  txn([&](uint32_t) { h.AddWrite(k, AtomTable::Int(1)); });
  txn([&](uint32_t) { h.AddWrite(k, AtomTable::Int(2)); });
  txn([&](uint32_t) { h.AddRegisterRead(k, AtomTable::Int(1)); });
  return h;
}

TEST(RegistersSection, CountsViolationsAndTornReads) {
  History events;
  Event torn;
  torn.type = EventType::kInfo;
  torn.error = std::string(kTornReadError) + ": register 3 read as 4, 4, 5";
  Event other;
  other.type = EventType::kInfo;
  other.error = "connection lost";
  events.events() = {torn, other};
  const auto j = RegistersSection(StaleRead(), events);
  EXPECT_EQ(j["linearizable"], false);
  EXPECT_EQ(j["keys"], 1);
  EXPECT_EQ(j["violations"], 1);
  EXPECT_EQ(j["by_kind"]["stale-read"], 1);
  EXPECT_EQ(j["torn_reads"], 1);
  ASSERT_EQ(j["examples"].size(), 1u);
  EXPECT_EQ(j["examples"][0]["key"], "1");
}

TEST(RegistersSection, AnInOrderHistoryIsLinearizable) {
  TxnHistory h;
  const uint32_t k = h.KeyId(AtomTable::Int(1));
  const uint32_t w = h.Invoke(0, 0, 0);
  h.AddWrite(k, AtomTable::Int(5));
  h.Complete(w, TxnType::kOk, 1, 1);
  const uint32_t r = h.Invoke(1, 2, 2);
  h.AddRegisterRead(k, AtomTable::Int(5));
  h.Complete(r, TxnType::kOk, 3, 3);
  const auto j = RegistersSection(h, History());
  EXPECT_EQ(j["linearizable"], true);
  EXPECT_EQ(j["ops"], 2);
  EXPECT_EQ(j["torn_reads"], 0);
}

}  // namespace
}  // namespace crashlab::linearizability

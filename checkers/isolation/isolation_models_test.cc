// The consistency-model lattice, cycle naming, and the JSON section's shape.
#include <gtest/gtest.h>

#include "checkers/isolation/anomaly.h"
#include "checkers/isolation/isolation_test_util.h"

namespace crashlab {
namespace {

uint32_t Bit(AnomalyType t) { return uint32_t{1} << static_cast<int>(t); }

std::vector<std::string> Names(ModelSet s) {
  std::vector<std::string> out;
  for (IsolationModel m : ModelsIn(s)) out.push_back(ModelName(m));
  return out;
}

TEST(IsolationModels, NothingFoundIsConsistentWithEverythingChecked) {
  ModelVerdict v = JudgeModels(0, false, false);
  EXPECT_EQ(v.violated, 0u);
  EXPECT_EQ(Names(v.strongest_consistent),
            std::vector<std::string>{"serializable"});
  EXPECT_EQ(Names(v.unchecked),
            (std::vector<std::string>{
                "strong-session-snapshot-isolation",
                "strong-session-serializable", "strong-snapshot-isolation",
                "strict-serializable"}));
  v = JudgeModels(0, true, true);
  EXPECT_EQ(Names(v.strongest_consistent),
            std::vector<std::string>{"strict-serializable"});
  EXPECT_EQ(v.unchecked, 0u);
}

TEST(IsolationModels, EachAnomalyRulesOutItsModelsAndStronger) {
  ModelVerdict v = JudgeModels(Bit(AnomalyType::kG0), true, true);
  EXPECT_EQ(Names(v.weakest_violated),
            std::vector<std::string>{"read-uncommitted"});
  EXPECT_EQ(v.consistent, 0u);

  v = JudgeModels(Bit(AnomalyType::kG1c), false, false);
  EXPECT_EQ(Names(v.weakest_violated), std::vector<std::string>{"read-committed"});
  EXPECT_EQ(Names(v.strongest_consistent),
            std::vector<std::string>{"read-uncommitted"});

  v = JudgeModels(Bit(AnomalyType::kG2Item), false, false);
  EXPECT_EQ(Names(v.weakest_violated), std::vector<std::string>{"repeatable-read"});
  EXPECT_EQ(Names(v.strongest_consistent),
            std::vector<std::string>{"snapshot-isolation"});
  EXPECT_TRUE(v.violated & ModelBit(IsolationModel::kSerializable));
  EXPECT_TRUE(v.violated & ModelBit(IsolationModel::kStrictSerializable))
      << "ruled out even though real time was not checked";

  v = JudgeModels(Bit(AnomalyType::kLostUpdate), false, false);
  EXPECT_EQ(Names(v.weakest_violated),
            (std::vector<std::string>{"repeatable-read", "snapshot-isolation"}));
  EXPECT_EQ(Names(v.strongest_consistent),
            std::vector<std::string>{"monotonic-atomic-view"});

  v = JudgeModels(Bit(AnomalyType::kGSingleProcess), true, true);
  EXPECT_EQ(Names(v.weakest_violated),
            std::vector<std::string>{"strong-session-snapshot-isolation"});
  EXPECT_EQ(Names(v.strongest_consistent),
            std::vector<std::string>{"serializable"});

  v = JudgeModels(Bit(AnomalyType::kG2ItemRealtime), true, true);
  EXPECT_EQ(Names(v.weakest_violated),
            std::vector<std::string>{"strict-serializable"});
  EXPECT_EQ(Names(v.strongest_consistent),
            (std::vector<std::string>{"strong-session-serializable",
                                      "strong-snapshot-isolation"}));

  v = JudgeModels(Bit(AnomalyType::kDuplicateWrite), false, false);
  EXPECT_EQ(v.violated, 0u);
}

TEST(IsolationModels, CycleNamesFollowTheirEdges) {
  using K = EdgeKind;
  EXPECT_EQ(ClassifyCycle({K::kWW, K::kWW}), AnomalyType::kG0);
  EXPECT_EQ(ClassifyCycle({K::kWW, K::kWR}), AnomalyType::kG1c);
  EXPECT_EQ(ClassifyCycle({K::kRW, K::kWR}), AnomalyType::kGSingle);
  EXPECT_EQ(ClassifyCycle({K::kRW, K::kRW}), AnomalyType::kG2Item);
  EXPECT_EQ(ClassifyCycle({K::kRW, K::kWR, K::kRW, K::kWW}),
            AnomalyType::kGNonadjacent);
  EXPECT_EQ(ClassifyCycle({K::kWR, K::kRW, K::kWW, K::kRW}),
            AnomalyType::kGNonadjacent);
  EXPECT_EQ(ClassifyCycle({K::kRW, K::kWW, K::kRW, K::kRW}),
            AnomalyType::kG2Item)
      << "the last and first rw edges are adjacent";
  EXPECT_EQ(ClassifyCycle({K::kWW, K::kProcess}), AnomalyType::kG0Process);
  EXPECT_EQ(ClassifyCycle({K::kRW, K::kProcess, K::kRealtime}),
            AnomalyType::kGSingleRealtime);
  for (int i = 0; i < kAnomalyTypeCount; ++i) {
    const auto t = static_cast<AnomalyType>(i);
    EXPECT_EQ(AnomalyTypeFromName(AnomalyTypeName(t)), t);
  }
}

TEST(IsolationModels, JsonSectionShape) {
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]", "fail").Txn(1, "[[:r :x [1]]]");
  int t1 = b.Begin(2), t2 = b.Begin(3);
  b.End(t2, "[[:append :y 1] [:append :z 1]]");
  b.End(t1, "[[:r :y []] [:r :z [1]]]");
  const nlohmann::json j = Check(b.Build()).ToJson();
  EXPECT_EQ(j["schema"], "crashlab-isolation/1");
  EXPECT_EQ(j["verdict"], "invalid");
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["workload"], "list-append");
  EXPECT_EQ(j["counts"]["txns"], 4);
  EXPECT_EQ(j["counts"]["fail"], 1);
  EXPECT_EQ(j["counts"]["edges"]["rw"], 1);
  EXPECT_EQ(j["anomaly_types"], nlohmann::json({"G-single", "G1a"}));
  EXPECT_EQ(j["anomaly_counts"]["G1a"], 1);
  EXPECT_EQ(j["not"], nlohmann::json({"read-committed"}));
  EXPECT_EQ(j["strongest_consistent"], nlohmann::json({"read-uncommitted"}));
  const auto& g = j["anomalies"]["G-single"][0];
  EXPECT_EQ(g["violates"],
            nlohmann::json({"repeatable-read", "snapshot-isolation"}));
  ASSERT_EQ(g["txns"].size(), 2u);
  ASSERT_EQ(g["cycle"].size(), 2u);
  for (const auto& step : g["cycle"]) {
    EXPECT_TRUE(step.contains("from") && step.contains("to") &&
                step.contains("kind") && step.contains("explanation"));
  }
  const auto& t = g["txns"][0];
  for (const char* field : {"name", "id", "process", "type", "invoke_index",
                            "complete_index", "value"}) {
    EXPECT_TRUE(t.contains(field)) << field;
  }
  const auto& a = j["anomalies"]["G1a"][0];
  EXPECT_EQ(a["key"], ":x");
  EXPECT_EQ(a["txns"][0]["value"], nlohmann::json::parse(R"([["r","x",[1]]])"));
}

}  // namespace
}  // namespace crashlab

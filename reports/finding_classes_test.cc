#include "reports/finding_classes.h"

#include <gtest/gtest.h>

#include "reports/loss_shape.h"

namespace crashlab {
namespace {

ClassInput Lost(uint64_t op, const std::string& shape, bool detailed) {
  ClassInput c;
  c.kind = FindingKind::kLostCommit;
  c.shape = shape;
  c.cause =
      "was acknowledged after a write to auth.db-wal that no fsync "
      "covered";
  c.member = {"lost_commit:" + std::to_string(op),
              {op},
              2,
              detailed ? "F" + std::to_string(op) : ""};
  c.replay =
      detailed ? "crashlab replay out --state s" + std::to_string(op) : "";
  return c;
}

// 300 findings with one cause are one class: its count, first member and
// replay command lead; every member is kept.
TEST(FindingClassesTest, OneCauseIsOneClassWithEveryMember) {
  std::vector<ClassInput> in;
  for (uint64_t op = 1; op <= 300; ++op) {
    in.push_back(Lost(op, "before-ack:write auth.db-wal", op <= 100));
  }
  in.push_back(Lost(301, "after-ack:write auth.db", true));
  const std::vector<FindingClass> classes = GroupIntoClasses(in);
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_EQ(classes[0].id, "C1");
  EXPECT_EQ(classes[0].members.size(), 300u);
  EXPECT_EQ(classes[0].first, "F1");
  EXPECT_EQ(classes[0].replay, "crashlab replay out --state s1");
  EXPECT_EQ(classes[0].Headline(),
            "300 acknowledged operations lost: each was acknowledged after a "
            "write to auth.db-wal that no fsync covered");
  EXPECT_EQ(classes[1].members.size(), 1u);
  // Round trip through report.json keeps every member.
  auto back = FindingClass::FromJson(classes[0].ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->members.size(), 300u);
  EXPECT_EQ(back->members[299].fingerprint, "lost_commit:300");
  EXPECT_EQ(back->members[299].finding, "");
  EXPECT_EQ(back->shape, classes[0].shape);
}

TEST(FindingClassesTest, KindsNeverShareAClass) {
  std::vector<ClassInput> in = {Lost(1, "before-ack:write N.log", true),
                                Lost(2, "before-ack:write N.log", true)};
  in[1].kind = FindingKind::kOrderViolation;
  EXPECT_EQ(GroupIntoClasses(in).size(), 2u);
}

TEST(LossShapeTest, WorstShapeWinsAndCountsAdd) {
  LossShape s;
  s.window_ops = 2;
  EXPECT_EQ(s.Shape(), "not measured");
  s.Add({10, 0, 0, 0, -1});
  EXPECT_EQ(s.Shape(), "none");
  s.Add({10, 2, 0, 2, 0.5});  // the last two: inside the 2-op window
  EXPECT_EQ(s.Shape(), "suffix within window");
  s.Add({10, 3, 0, 3, 0.7});  // a suffix, wider than the window
  EXPECT_EQ(s.Shape(), "suffix");
  s.Add({10, 2, 1, 5, 0.9});  // one lost before a survivor
  EXPECT_EQ(s.Shape(), "holes");
  EXPECT_EQ(s.states, 4u);
  EXPECT_EQ(s.lost, 7u);
  EXPECT_EQ(s.holes_ops, 1u);
  EXPECT_EQ(s.max_span_ops, 5u);
  auto back = LossShape::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->Shape(), "holes");
  EXPECT_EQ(back->within_window, 1u);
  LossShape merged;
  merged.Merge(s);
  merged.Merge(*back);
  EXPECT_EQ(merged.states, 8u);
  EXPECT_EQ(merged.Shape(), "holes");
}

}  // namespace
}  // namespace crashlab

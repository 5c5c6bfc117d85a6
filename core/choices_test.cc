#include "core/choices.h"

#include <gtest/gtest.h>

#include <string>

namespace crashlab {
namespace {

TEST(ByteChoicesTest, PicksReadBigEndianBytesThenZeros) {
  const std::string input("\x01\x02\x03", 3);
  ByteChoices c(input);
  EXPECT_EQ(c.Pick(1), 0u);  // one value: no byte read
  EXPECT_EQ(c.consumed(), 0u);
  EXPECT_EQ(c.Pick(1000), 0x0102u % 1000);  // two bytes for 1000 values
  EXPECT_EQ(c.bytes().substr(c.consumed()), std::string("\x03", 1));
  EXPECT_FALSE(c.ran_out());
  EXPECT_EQ(c.Pick(256), 3u);  // the last byte, exactly
  EXPECT_FALSE(c.ran_out()) << "the input ended, no pick went past it";
  EXPECT_EQ(c.Pick(7), 0u);
  EXPECT_TRUE(c.ran_out());
}

TEST(ByteChoicesTest, APickCutShortRunsOut) {
  const std::string input("\x05", 1);
  ByteChoices c(input);
  EXPECT_EQ(c.Pick(1 << 16), 5u);  // wanted two bytes, had one
  EXPECT_TRUE(c.ran_out());
}

TEST(ByteChoicesTest, SkipConsumesWhatPicksWould) {
  const std::string input("\x09\x08\x07\x06", 4);
  ByteChoices picked(input), skipped(input);
  picked.Pick(256);
  picked.Pick(256);
  skipped.Skip(2);
  EXPECT_EQ(skipped.consumed(), picked.consumed());
  EXPECT_EQ(skipped.Pick(1 << 16), picked.Pick(1 << 16));
  EXPECT_EQ(skipped.consumed(), input.size());
  EXPECT_EQ(skipped.bytes(), input);
}

}  // namespace
}  // namespace crashlab

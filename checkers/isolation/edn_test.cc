#include "checkers/isolation/edn.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace crashlab {
namespace {

using K = EdnValue::Kind;

EdnValue Parse(const std::string& text) {
  auto v = ParseEdn(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().message();
  return v.ok() ? std::move(v).value() : EdnValue();
}

std::string ErrorOf(const std::string& text) {
  auto v = ParseEdn(text);
  EXPECT_FALSE(v.ok()) << text << " parsed as " << (v.ok() ? WriteEdn(*v) : "");
  return v.ok() ? "" : v.status().message();
}

TEST(Edn, Scalars) {
  EXPECT_EQ(Parse("nil").kind, K::kNil);
  EXPECT_TRUE(Parse("true").boolean);
  EXPECT_EQ(Parse("-42").integer, -42);
  EXPECT_EQ(Parse("+7").integer, 7);
  EXPECT_EQ(Parse("12N").integer, 12);
  EXPECT_EQ(Parse("-9223372036854775808").integer, INT64_MIN);
  EXPECT_DOUBLE_EQ(Parse("1.5e3").number, 1500.0);
  EXPECT_DOUBLE_EQ(Parse("2.5M").number, 2.5);
  EXPECT_TRUE(std::isinf(Parse("##Inf").number));
  EXPECT_EQ(Parse("\"a\\\"b\\n\\u00e9\"").text, "a\"b\n\xc3\xa9");
  EXPECT_EQ(Parse("\\newline").text, "\n");
  EXPECT_EQ(Parse("\\x").text, "x");
  EXPECT_EQ(Parse(":append").kind, K::kKeyword);
  EXPECT_EQ(Parse(":append").text, "append");
  EXPECT_EQ(Parse(":jepsen.history/op").text, "jepsen.history/op");
  EXPECT_EQ(Parse("foo.bar/baz").kind, K::kSymbol);
  EXPECT_EQ(Parse("-").kind, K::kSymbol);
}

TEST(Edn, CollectionsCommentsDiscardsAndTags) {
  EdnValue v = Parse(
      "; a history op\n"
      "#jepsen.history.Op{:type :ok, :f :txn, #_ :ignored #_ 1\n"
      " :value [[:append 1 2] (:r 3 nil)], :tags #{1 2}, :at #inst \"2020\"}");
  ASSERT_EQ(v.kind, K::kTagged);
  EXPECT_EQ(v.text, "jepsen.history.Op");
  const EdnValue& m = v.Untagged();
  ASSERT_EQ(m.kind, K::kMap);
  EXPECT_EQ(m.items.size(), 10u);
  EXPECT_EQ(m.Get("type")->text, "ok");
  const EdnValue* value = m.Get("value");
  ASSERT_NE(value, nullptr);
  ASSERT_EQ(value->items.size(), 2u);
  EXPECT_EQ(value->items[1].kind, K::kList);
  EXPECT_EQ(value->items[1].items[2].kind, K::kNil);
  EXPECT_EQ(m.Get("tags")->kind, K::kSet);
  EXPECT_EQ(m.Get("at")->Untagged().text, "2020");
  EXPECT_EQ(m.Get("missing"), nullptr);
  EXPECT_EQ(Parse("[1,2,,3]").items.size(), 3u) << "commas are whitespace";
}

TEST(Edn, WriteThenReadGivesTheSameValue) {
  const std::string text =
      "{:type :invoke, :value [[:append \"k\\t\" -3] [:r nil [1 2]]], "
      ":f sym, :s #{:a}, :c \\space, :x 2.5, :t #inst \"x\", :l (1 true)}";
  const EdnValue v = Parse(text);
  const std::string written = WriteEdn(v);
  EXPECT_EQ(written, text);
  EXPECT_EQ(WriteEdn(Parse(written)), written);
  EXPECT_EQ(WriteEdn(Parse("3.0")), "3.0");
}

TEST(Edn, ErrorsNameLineAndColumn) {
  EXPECT_EQ(ErrorOf("{:a 1\n :b [1 2}"),
            "edn line 2, column 9: unexpected '}'");
  EXPECT_EQ(ErrorOf("[1 2\n3"),
            "edn line 2, column 2: the '[' opened at line 1, column 1 is "
            "never closed");
  EXPECT_EQ(ErrorOf("\n  \"abc"),
            "edn line 2, column 3: string is never closed");
  EXPECT_EQ(ErrorOf("{:a}"), "edn line 1, column 1: map has a key without a value");
  EXPECT_NE(ErrorOf("99999999999999999999").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf("1/2").find("ratios"), std::string::npos);
  EXPECT_NE(ErrorOf("\"\\q\"").find("unknown escape"), std::string::npos);
  EXPECT_NE(ErrorOf("#\"re\"").find("dispatch"), std::string::npos);
  EXPECT_NE(ErrorOf("1 2").find("more than one value"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("::x").find("'::'"), std::string::npos);
  EXPECT_NE(ErrorOf("[#_]").find("discards nothing"), std::string::npos);
  EXPECT_NE(ErrorOf("1.2.3").find("bad number"), std::string::npos);
  EXPECT_NE(ErrorOf("\\bogus").find("character"), std::string::npos);
}

TEST(Edn, NestingIsBounded) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string err = ErrorOf(deep);
  EXPECT_NE(err.find("nested deeper than 128"), std::string::npos) << err;
  EXPECT_TRUE(ParseEdn(std::string(100, '[') + std::string(100, ']')).ok());
  EXPECT_FALSE(ParseEdn("[[[1]]]", 2).ok());
}

TEST(Edn, ReaderStreamsTheElementsOfOneVector) {
  EdnReader r("[{:a 1}\n {:a 2}] ; trailing comment\n");
  ASSERT_TRUE(r.EnterSequence());
  int n = 0;
  for (;;) {
    auto v = r.Next();
    ASSERT_TRUE(v.ok()) << v.status().message();
    if (!v->has_value()) break;
    EXPECT_EQ((*v)->Get("a")->integer, ++n);
    EXPECT_EQ((*v)->line, n);
  }
  EXPECT_EQ(n, 2);
  EdnReader bad("[{:a 1}] {:b 2}");
  ASSERT_TRUE(bad.EnterSequence());
  ASSERT_TRUE(bad.Next().ok());
  auto tail = bad.Next();
  ASSERT_FALSE(tail.ok());
  EXPECT_NE(tail.status().message().find("after the history"), std::string::npos);
}

// Mutated and truncated documents never crash the reader; every rejection
// says where. (The real fuzzing runs under libFuzzer; this keeps the seed.)
TEST(Edn, MutatedInputIsRejectedCleanly) {
  const std::string seed =
      "[{:type :invoke, :f :txn, :value [[:append 1 2] [:r 3 nil]], "
      ":process 0, :time 123, :index 0}\n"
      " {:type :ok, :f :txn, :value [[:append 1 2] [:r 3 [1 \"s\\n\"]]], "
      ":process 0, :time 130, :index 1}]";
  const char kBytes[] = "[]{}()#_:;\\\"\n ,0-9eN.";
  Rng rng(20240611);
  for (int round = 0; round < 4000; ++round) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(rng.Uniform(4));
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng.Uniform(text.size());
      switch (rng.Uniform(3)) {
        case 0: text[at] = kBytes[rng.Uniform(sizeof(kBytes) - 1)]; break;
        case 1: text.erase(at, 1 + rng.Uniform(8)); break;
        default: text.resize(at); break;
      }
    }
    auto v = ParseEdn(text);
    if (!v.ok()) {
      EXPECT_EQ(v.status().message().rfind("edn", 0), 0u)
          << "seed 20240611 round " << round << ": " << v.status().message();
    }
  }
}

}  // namespace
}  // namespace crashlab

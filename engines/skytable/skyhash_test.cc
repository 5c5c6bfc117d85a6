// Skyhash 2 against real bytes from a Skytable 0.8.0 server: every request
// of testdata/transcript.json is rebuilt byte for byte from its query text
// and parameters, and every response decodes to what the step says.
#include "engines/skytable/skyhash.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "engines/skytable/skytable_test_util.h"

namespace crashlab {
namespace {

using skyhash::Param;
using skyhash::ResponseDecoder;
using skytable_testing::Exchange;
using skytable_testing::LoadTranscript;

constexpr char kPassword[] = "crashlab-fixture-password";

struct Expected {
  std::string step;
  // Handshake steps: the password (user is root). Query steps: "".
  std::string handshake_password;
  std::string query;
  std::vector<Param> params;
  std::string decoded;  // Response::DebugString, or "accepted"/"refused 5"
};

Param S(const char* s) { return Param::String(s); }
Param U(uint64_t v) { return Param::Uint(v); }
Param B(bool v) { return Param::Bool(v); }

const char kRowAlice[] = "row(\"alice\", \"h1-alice\", u64:1, u64:0, false)";
const char kModelUsers[] =
    "create model auth.users(username: string, pwhash: string, sessions: "
    "uint64, failed: uint64, locked: bool)";
const char kModelSessions[] =
    "create model auth.sessions(sid: string, username: string, created: "
    "uint64)";
const char kInsertUser[] = "insert into auth.users(?, ?, ?, ?, ?)";
const char kSelectUser[] = "select * from auth.users where username = ?";

// What each step of the transcript sent and what its reply means, written
// out by hand from the step names and notes.
std::vector<Expected> ExpectedSteps() {
  return {
      {"handshake-bad-password", "wrong-password-1234", "", {}, "refused 5"},
      {"handshake-ok", kPassword, "", {}, "accepted"},
      {"create-space", "", "create space auth", {}, "empty"},
      {"create-space-again",
       "",
       "create space auth",
       {},
       "error 103 (already exists)"},
      {"create-space-if-not-exists",
       "",
       "create space if not exists auth",
       {},
       "value false"},
      {"create-model-users", "", kModelUsers, {}, "empty"},
      {"create-model-sessions", "", kModelSessions, {}, "empty"},
      {"insert-alice",
       "",
       kInsertUser,
       {S("alice"), S("h1-alice"), U(0), U(0), B(false)},
       "empty"},
      {"insert-bob",
       "",
       kInsertUser,
       {S("bob"), S("h1-bob"), U(0), U(0), B(false)},
       "empty"},
      {"insert-alice-duplicate",
       "",
       kInsertUser,
       {S("alice"), S("h2"), U(0), U(0), B(false)},
       "error 108 (duplicate)"},
      {"insert-session",
       "",
       "insert into auth.sessions(?, ?, ?)",
       {S("s-1"), S("alice"), U(1700000000)},
       "empty"},
      {"update-sessions",
       "",
       "update auth.users set sessions += ? where username = ?",
       {U(1), S("alice")},
       "empty"},
      {"update-lock",
       "",
       "update auth.users set failed += ?, locked = ? where username = ?",
       {U(5), B(true), S("bob")},
       "empty"},
      {"select-alice", "", kSelectUser, {S("alice")}, kRowAlice},
      {"select-bob-fields",
       "",
       "select username, locked from auth.users where username = ?",
       {S("bob")},
       "row(\"bob\", true)"},
      {"select-missing",
       "",
       kSelectUser,
       {S("nobody")},
       "error 111 (row not found)"},
      {"select-all",
       "",
       "select all * from auth.users limit ?",
       {U(10)},
       "multirow 2x5 [(\"bob\", \"h1-bob\", u64:0, u64:5, true), "
       "(\"alice\", \"h1-alice\", u64:1, u64:0, false)]"},
      {"delete-session",
       "",
       "delete from auth.sessions where sid = ?",
       {S("s-1")},
       "empty"},
      {"delete-missing",
       "",
       "delete from auth.sessions where sid = ?",
       {S("s-1")},
       "error 111 (row not found)"},
      {"syntax-error",
       "",
       "selec * from auth.users",
       {},
       "error 32 (expected statement)"},
      {"literal-rejected",
       "",
       "select * from auth.users where username = 'alice'",
       {},
       "error 28 (invalid syntax)"},
      {"unknown-model",
       "",
       "select * from auth.nope where username = ?",
       {S("alice")},
       "error 100 (object not found)"},
      {"handshake-after-restart", kPassword, "", {}, "accepted"},
      {"select-alice-after-clean-restart",
       "",
       kSelectUser,
       {S("alice")},
       kRowAlice},
      {"insert-carol",
       "",
       kInsertUser,
       {S("carol"), S("h1-carol"), U(0), U(0), B(false)},
       "empty"},
      {"handshake-window2", kPassword, "", {}, "accepted"},
      {"create-space-window2", "", "create space auth", {}, "empty"},
      {"create-model-users-window2", "", kModelUsers, {}, "empty"},
      {"create-model-sessions-window2", "", kModelSessions, {}, "empty"},
      {"insert-alice-window2",
       "",
       kInsertUser,
       {S("alice"), S("h1-alice"), U(0), U(0), B(false)},
       "empty"},
      {"insert-bob-window2",
       "",
       kInsertUser,
       {S("bob"), S("h1-bob"), U(0), U(0), B(false)},
       "empty"},
      {"handshake-after-repair", kPassword, "", {}, "accepted"},
      {"select-carol-after-repair",
       "",
       kSelectUser,
       {S("carol")},
       "error 111 (row not found)"},
      {"select-alice-after-repair", "", kSelectUser, {S("alice")}, kRowAlice},
  };
}

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

bool IsHandshake(const Expected& e) { return !e.handshake_password.empty(); }

// Decodes a whole response fed in the given chunks; "" while incomplete.
std::string DecodeChunks(const std::vector<std::string>& chunks,
                         std::string* error = nullptr) {
  ResponseDecoder d;
  for (const std::string& c : chunks) {
    Status fed = d.Feed(c);
    if (!fed.ok()) {
      if (error) *error = fed.message();
      return "";
    }
  }
  auto r = d.Next();
  if (!r.ok()) {
    if (error) *error = r.status().message();
    return "";
  }
  if (!r->has_value()) return "";
  if (d.buffered() != 0) return "<leftover bytes>";
  return (*r)->DebugString();
}

std::string DecodeHandshake(const std::string& bytes) {
  auto r = skyhash::DecodeHandshakeReply(bytes);
  if (!r.ok()) return "error: " + r.status().message();
  if (!r->has_value()) return "";
  return (*r)->accepted ? "accepted" : "refused " + std::to_string((*r)->code);
}

TEST(SkyhashTest, EveryTranscriptStepIsCovered) {
  const auto transcript = LoadTranscript();
  ASSERT_FALSE(transcript.empty()) << "cannot read testdata/transcript.json";
  std::set<std::string> expected, recorded;
  for (const auto& e : ExpectedSteps()) expected.insert(e.step);
  for (const auto& e : transcript) recorded.insert(e.step);
  EXPECT_EQ(expected, recorded);
  EXPECT_EQ(transcript.size(), ExpectedSteps().size());
}

TEST(SkyhashTest, RequestsMatchTheRecordingByteForByte) {
  const auto transcript = LoadTranscript();
  ASSERT_FALSE(transcript.empty());
  for (const Expected& e : ExpectedSteps()) {
    const Exchange* x = skytable_testing::FindStep(transcript, e.step);
    ASSERT_NE(x, nullptr) << e.step;
    const std::string built =
        IsHandshake(e) ? skyhash::EncodeHandshake("root", e.handshake_password)
                       : skyhash::EncodeQuery(e.query, e.params);
    EXPECT_EQ(built, x->request) << e.step;
  }
}

TEST(SkyhashTest, ResponsesDecodeToWhatTheStepSays) {
  const auto transcript = LoadTranscript();
  ASSERT_FALSE(transcript.empty());
  for (const Expected& e : ExpectedSteps()) {
    const Exchange* x = skytable_testing::FindStep(transcript, e.step);
    ASSERT_NE(x, nullptr) << e.step;
    std::string error;
    const std::string got = IsHandshake(e)
                                ? DecodeHandshake(x->response)
                                : DecodeChunks({x->response}, &error);
    EXPECT_EQ(got, e.decoded) << e.step << " " << error;
  }
}

TEST(SkyhashTest, EveryTwoChunkSplitDecodesTheSame) {
  const auto transcript = LoadTranscript();
  ASSERT_FALSE(transcript.empty());
  for (const Expected& e : ExpectedSteps()) {
    const std::string& bytes =
        skytable_testing::FindStep(transcript, e.step)->response;
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
      const std::string a = bytes.substr(0, cut), b = bytes.substr(cut);
      if (IsHandshake(e)) {
        EXPECT_EQ(DecodeHandshake(a), cut == bytes.size() ? e.decoded : "")
            << e.step << " cut " << cut;
        continue;
      }
      ResponseDecoder d;
      ASSERT_TRUE(d.Feed(a).ok());
      auto first = d.Next();
      ASSERT_TRUE(first.ok()) << e.step << " cut " << cut;
      if (cut < bytes.size()) {
        EXPECT_FALSE(first->has_value()) << e.step << " complete at " << cut;
        ASSERT_TRUE(d.Feed(b).ok());
        first = d.Next();
        ASSERT_TRUE(first.ok()) << e.step << " cut " << cut;
      }
      ASSERT_TRUE(first->has_value()) << e.step << " cut " << cut;
      EXPECT_EQ((*first)->DebugString(), e.decoded) << e.step << " cut " << cut;
    }
  }
}

TEST(SkyhashTest, ByteAtATimeAndBackToBack) {
  const auto transcript = LoadTranscript();
  ASSERT_FALSE(transcript.empty());
  const std::string all =
      skytable_testing::FindStep(transcript, "select-all")->response +
      skytable_testing::FindStep(transcript, "select-missing")->response;
  ResponseDecoder d;
  std::vector<std::string> got;
  for (char c : all) {
    ASSERT_TRUE(d.Feed(std::string(1, c)).ok());
    for (;;) {
      auto r = d.Next();
      ASSERT_TRUE(r.ok()) << r.status().message();
      if (!r->has_value()) break;
      got.push_back((*r)->DebugString());
    }
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "error 111 (row not found)");
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(SkyhashTest, EveryCellTypeIncludingNestedLists) {
  using std::string_literals::operator""s;
  const std::pair<std::string, std::string> cases[] = {
      {"\x0e"
       "2\n"
       "\x0e"
       "1\n"
       "\x02"
       "7\n"
       "\x0d"
       "1\nx"s,
       "value [[u8:7], \"x\"]"},
      {"\x0e"
       "0\n"s,
       "value []"},
      {"\x09"
       "-5\n"s,
       "value s64:-5"},
      {"\x06"
       "-128\n"s,
       "value s8:-128"},
      {"\x03"
       "65535\n"s,
       "value u16:65535"},
      {"\x04"
       "4294967295\n"s,
       "value u32:4294967295"},
      {"\x05"
       "18446744073709551615\n"s,
       "value u64:18446744073709551615"},
      {"\x07"
       "-3\n"s,
       "value s16:-3"},
      {"\x08"
       "2147483647\n"s,
       "value s32:2147483647"},
      {"\x0b"
       "1.5\n"s,
       "value f64:1.5"},
      {"\x0a"
       "-2e3\n"s,
       "value f32:-2000"},
      {"\x0c"
       "3\n\x00\x01\n"s,
       "value bin:\"\\x00\\x01\\n\""},
      {"\x0d"
       "0\n"s,
       "value \"\""},
      {"\x00"s, "value null"},
      {"\x01\x01"s, "value true"},
      {"\x11"
       "3\n"
       "\x00"
       "\x01\x00"
       "\x0d"
       "2\n\xc3\xa9"s,
       "row(null, false, \"\\xc3\\xa9\")"},
      {"\x11"
       "0\n"s,
       "row()"},
      {"\x13"
       "0\n"
       "0\n"s,
       "multirow 0x0 []"},
      {"\x12"s, "empty"},
      {"\x10\x6f\x00"s, "error 111 (row not found)"},
      {"\x10\x39\x30"s, "error 12345 (unknown error code 12345)"},
  };
  for (const auto& [bytes, want] : cases) {
    std::string error;
    EXPECT_EQ(DecodeChunks({bytes}, &error), want) << error;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      EXPECT_EQ(DecodeChunks({bytes.substr(0, cut)}, &error), "")
          << want << " complete after " << cut << " bytes " << error;
      EXPECT_TRUE(error.empty()) << want << ": a prefix is not an error";
    }
  }
}

TEST(SkyhashTest, EncodesEveryParameterType) {
  using std::string_literals::operator""s;
  const std::string got = skyhash::EncodeQuery(
      "q",
      {Param::Null(), Param::Bool(true), Param::Uint(42), Param::Sint(-7),
       Param::Float(1.5), Param::Binary("a\0b"s), Param::String("\xc3\xa9")});
  const std::string body =
      "1\nq"
      "\x00"
      "\x01\x01"
      "\x02"
      "42\n"
      "\x03"
      "-7\n"
      "\x04"
      "1.5\n"
      "\x05"
      "3\na\0b"
      "\x06"
      "2\n\xc3\xa9"s;
  EXPECT_EQ(got, "S" + std::to_string(body.size()) + "\n" + body);
}

TEST(SkyhashTest, MalformedInputIsRejectedForGood) {
  using std::string_literals::operator""s;
  const std::string bad[] = {
      "\x14"s,  // unknown response type
      "\x11"
      "x\n"s,  // not a number
      "\x11"
      "\n"s,  // empty number
      "\x11"
      "123456789012345678901\n"s,  // longer than any u64
      "\x11"
      "99999999999999999999\n"s,  // overflows u64
      "\x13"
      "1\n"
      "0\n"s,       // rows of no columns
      "\x01\x02"s,  // bool that is not 0/1
      "\x11"
      "1\n"
      "\x0f"s,  // unknown cell type
      "\x02"
      "300\n"s,  // u8 out of range
      "\x06"
      "-129\n"s,  // s8 out of range
      "\x05"
      "-1\n"s,  // sign on an unsigned
      "\x0b"
      "1.5x\n"s,  // not a float
      "\x0d"
      "1"
      "\x00"
      "\n"s,  // garbage in a length
  };
  for (const std::string& b : bad) {
    ResponseDecoder d;
    ASSERT_TRUE(d.Feed(b).ok());
    auto r = d.Next();
    EXPECT_FALSE(r.ok()) << "accepted " << Hex(b);
    if (r.ok()) continue;
    EXPECT_NE(r.status().message().find("malformed"), std::string::npos);
    EXPECT_FALSE(d.Next().ok()) << "stays poisoned";
    EXPECT_FALSE(d.Feed("\x12").ok()) << "stays poisoned";
  }
  for (const std::string& h :
       {"X\0\0\0"s, "H\x01"s, "H\0\x02"s, "H\0\0\x01"s}) {
    EXPECT_FALSE(skyhash::DecodeHandshakeReply(h).ok()) << Hex(h);
  }
}

TEST(SkyhashTest, LimitsBoundMemory) {
  using std::string_literals::operator""s;
  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep +=
        "\x0e"
        "1\n";
  ResponseDecoder d;
  ASSERT_TRUE(d.Feed(deep).ok());
  auto r = d.Next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested"), std::string::npos);

  ResponseDecoder small({/*max_bytes=*/16, /*max_cells=*/3, /*max_depth=*/4});
  EXPECT_FALSE(small.Feed(std::string(17, '\x12')).ok());
  ResponseDecoder few({1024, 3, 4});
  ASSERT_TRUE(few.Feed("\x11"
                       "5\n"
                       "\x00\x00\x00\x00\x00"s)
                  .ok());
  EXPECT_FALSE(few.Next().ok());
  // A huge declared count allocates nothing until bytes arrive.
  ResponseDecoder huge;
  ASSERT_TRUE(huge.Feed("\x13"
                        "18446744073709551615\n"
                        "1000000\n"s)
                  .ok());
  auto pending = huge.Next();
  ASSERT_TRUE(pending.ok());
  EXPECT_FALSE(pending->has_value());
  ResponseDecoder str;
  ASSERT_TRUE(str.Feed("\x0d"
                       "999999999999\n"s)
                  .ok());
  EXPECT_FALSE(str.Next().ok()) << "a string longer than max_bytes";
}

// Random and mutated input in random chunks: the decoder answers (value,
// need-more or error) and never crashes. Seeded, so failures replay.
TEST(SkyhashTest, SurvivesRandomAndMutatedInput) {
  const auto transcript = LoadTranscript();
  ASSERT_FALSE(transcript.empty());
  std::mt19937_64 rng(20240611);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bytes;
    if (iter % 2 == 0) {
      bytes = transcript[rng() % transcript.size()].response;
      for (int k = 0; k < 3 && !bytes.empty(); ++k) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
    } else {
      bytes.resize(rng() % 64);
      for (char& c : bytes) c = static_cast<char>(rng() % 24);
    }
    ResponseDecoder d({4096, 1024, 8});
    size_t at = 0;
    while (at < bytes.size()) {
      const size_t n = 1 + rng() % 8;
      if (!d.Feed(std::string_view(bytes).substr(at, n)).ok()) break;
      at += n;
      auto r = d.Next();
      if (!r.ok()) break;
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace crashlab

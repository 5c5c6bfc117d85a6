// Test helpers: the real Skytable 0.8.0 recordings in testdata/ (copied
// from the project's shared fixtures; see testdata/README.md).
#ifndef CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_TEST_UTIL_H_
#define CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_TEST_UTIL_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data_model.h"
#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace skytable_testing {

inline std::string TestdataDir() {
  return SourceDir() + "/engines/skytable/testdata";
}

inline std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

struct Exchange {
  std::string step;
  std::string request;   // raw bytes
  std::string response;  // raw bytes
  std::string note;
};

// Every exchange of testdata/transcript.json, in order; empty on error
// (the caller asserts it is not empty).
inline std::vector<Exchange> LoadTranscript() {
  std::vector<Exchange> out;
  auto text = ReadFileToString(TestdataDir() + "/transcript.json");
  if (!text.ok()) return out;
  try {
    for (const auto& e : nlohmann::json::parse(*text)) {
      out.push_back({e.at("step").get<std::string>(),
                     FromHex(e.at("request_hex").get<std::string>()),
                     FromHex(e.at("response_hex").get<std::string>()),
                     e.value("note", "")});
    }
  } catch (const nlohmann::json::exception&) {
    out.clear();
  }
  return out;
}

inline const Exchange* FindStep(const std::vector<Exchange>& t,
                                const std::string& step) {
  for (const Exchange& e : t) {
    if (e.step == step) return &e;
  }
  return nullptr;
}

// The two models the recordings were made with.
inline Schema TranscriptSchema() {
  return Schema{{
      {"users",
       "username",
       {{"pwhash", ColumnType::kText},
        {"sessions", ColumnType::kInt},
        {"failed", ColumnType::kInt},
        {"locked", ColumnType::kBool}}},
      {"sessions",
       "sid",
       {{"username", ColumnType::kText}, {"created", ColumnType::kInt}}},
  }};
}

}  // namespace skytable_testing
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_SKYTABLE_TEST_UTIL_H_

// History: what clients asked for and what they were told.
//
// Events use Jepsen's vocabulary so histories can be read by Jepsen tools:
// an `invoke` when a client sends an operation, then exactly one of `ok`
// (the engine acknowledged it), `fail` (the engine said it did not happen)
// or `info` (unknown: the connection broke, the engine crashed, a timeout).
// Every event carries the process (client) that issued it, the operation's
// function `f`, its `value`, a monotonic `time` in nanoseconds, its `index`
// in the history, and crashlab's `op` id linking an invoke to its completion.
//
// Stored as JSON lines (history.jsonl), one event per line, appended as the
// run goes so a killed run still leaves its history behind.
#ifndef CRASHLAB_CORE_HISTORY_H_
#define CRASHLAB_CORE_HISTORY_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace crashlab {

enum class EventType : uint8_t { kInvoke, kOk, kFail, kInfo };

const char* EventTypeName(EventType t);

// An `info` completion whose error starts with this: the engine read one
// row whose columns came from different writes (a torn read), so the
// transaction's reads cannot be trusted. Engines that can tell say so;
// checkers count them (checkers/linearizability/registers_json.h).
inline constexpr char kTornReadError[] = "torn read";

struct Event {
  EventType type = EventType::kInvoke;
  uint64_t process = 0;
  std::string f;
  nlohmann::json value;
  uint64_t time_ns = 0;
  uint64_t index = 0;
  uint64_t op = 0;      // logical operation id, same on invoke and completion
  std::string error;    // for fail and info: what the engine or harness said

  nlohmann::json ToJson() const;
  static Result<Event> FromJson(const nlohmann::json& j);
};

class History {
 public:
  std::vector<Event>& events() { return events_; }
  const std::vector<Event>& events() const { return events_; }
  // Appends an event, assigning its index.
  Event& Add(Event e);

  static Result<History> ReadJsonl(const std::string& path);
  static Result<History> ParseJsonl(const std::string& text);

 private:
  std::vector<Event> events_;
};

// Appends events to a history.jsonl file as they happen.
class HistoryWriter {
 public:
  static Result<std::unique_ptr<HistoryWriter>> Create(const std::string& path);
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;
  Status Write(const Event& e);

 private:
  explicit HistoryWriter(std::FILE* f) : file_(f) {}
  std::FILE* file_;
};

}  // namespace crashlab

#endif  // CRASHLAB_CORE_HISTORY_H_

#include "core/history.h"

#include <cerrno>
#include <sstream>
#include <stdexcept>

#include "core/files.h"

namespace crashlab {

using nlohmann::json;

const char* EventTypeName(EventType t) {
  switch (t) {
    case EventType::kInvoke:
      return "invoke";
    case EventType::kOk:
      return "ok";
    case EventType::kFail:
      return "fail";
    case EventType::kInfo:
      return "info";
  }
  return "?";
}

json Event::ToJson() const {
  json j = {{"type", EventTypeName(type)}, {"process", process}, {"f", f},
            {"value", value},              {"time", time_ns},    {"index", index},
            {"op", op}};
  if (!error.empty()) j["error"] = error;
  return j;
}

namespace {

// A counter field: absent means `fallback`; anything but a non-negative
// integer that fits 64 bits is an error (a float such as 2.5e52 would
// otherwise convert to uint64_t with undefined behaviour).
uint64_t Counter(const json& j, const char* key, bool required) {
  if (!j.contains(key)) {
    if (required) throw std::invalid_argument(std::string("missing '") + key + "'");
    return 0;
  }
  const json& v = j[key];
  if (!v.is_number_unsigned()) {
    throw std::invalid_argument(std::string("'") + key +
                                "' is not a non-negative integer");
  }
  return v.get<uint64_t>();
}

}  // namespace

Result<Event> Event::FromJson(const json& j) {
  if (!j.is_object()) return Status::BadInput("history event is not an object");
  Event e;
  try {
    const std::string type = j.at("type").get<std::string>();
    if (type == "invoke") e.type = EventType::kInvoke;
    else if (type == "ok") e.type = EventType::kOk;
    else if (type == "fail") e.type = EventType::kFail;
    else if (type == "info") e.type = EventType::kInfo;
    else return Status::BadInput("unknown event type '" + type + "'");
    e.process = Counter(j, "process", true);
    e.f = j.at("f").get<std::string>();
    e.value = j.value("value", json());
    e.time_ns = Counter(j, "time", false);
    e.index = Counter(j, "index", false);
    e.op = Counter(j, "op", false);
    e.error = j.value("error", std::string());
  } catch (const std::exception& ex) {  // json::exception, invalid_argument
    return Status::BadInput(std::string("bad history event: ") + ex.what());
  }
  return e;
}

Event& History::Add(Event e) {
  e.index = events_.size();
  events_.push_back(std::move(e));
  return events_.back();
}

Result<History> History::ParseJsonl(const std::string& text) {
  History h;
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return Status::BadInput("history line " + std::to_string(lineno) +
                              " is not valid JSON");
    }
    auto e = Event::FromJson(j);
    if (!e.ok()) {
      return e.status().Annotate("history line " + std::to_string(lineno));
    }
    h.events_.push_back(std::move(e).value());
  }
  return h;
}

Result<History> History::ReadJsonl(const std::string& path) {
  CRASHLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  auto h = ParseJsonl(text);
  if (!h.ok()) return h.status().Annotate(path);
  return h;
}

Result<std::unique_ptr<HistoryWriter>> HistoryWriter::Create(
    const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wx");
  if (!f) return Status::FromErrno("cannot create history " + path, errno);
  return std::unique_ptr<HistoryWriter>(new HistoryWriter(f));
}

HistoryWriter::~HistoryWriter() { std::fclose(file_); }

Status HistoryWriter::Write(const Event& e) {
  std::string line = e.ToJson().dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fflush(file_) != 0) {
    return Status::FromErrno("writing history", errno);
  }
  return Status::Ok();
}

}  // namespace crashlab

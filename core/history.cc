#include "core/history.h"

#include <cerrno>
#include <sstream>

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
    e.process = j.at("process").get<uint64_t>();
    e.f = j.at("f").get<std::string>();
    e.value = j.value("value", json());
    e.time_ns = j.value("time", uint64_t{0});
    e.index = j.value("index", uint64_t{0});
    e.op = j.value("op", uint64_t{0});
    e.error = j.value("error", std::string());
  } catch (const json::exception& ex) {
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

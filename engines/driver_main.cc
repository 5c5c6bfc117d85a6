#include "engines/driver_main.h"

#include <unistd.h>

#include <cerrno>
#include <exception>
#include <istream>
#include <memory>
#include <ostream>
#include <utility>

#include "core/rows_digest.h"

namespace crashlab {

using nlohmann::json;

DigestDump DriverBackend::DumpDigest() {
  auto full = std::make_shared<DriverReply>(Dump());
  if (!full->ok) return {*full, nullptr};
  const auto tables = full->fields.find("tables");
  const Hash128 d = DigestOfDumpTables(
      tables == full->fields.end() ? json(nullptr) : *tables);
  DigestDump out;
  out.reply = DriverReply::Ok(
      {{"digest", d.ToHex()},
       {"check", full->fields.value("check", json("ok"))}});
  out.rows = [full] { return std::move(*full); };
  return out;
}

DriverReply DriverReply::Ok(json fields) {
  DriverReply r;
  r.fields = std::move(fields);
  return r;
}

DriverReply DriverReply::Error(std::string kind, std::string message) {
  DriverReply r;
  r.ok = false;
  r.kind = std::move(kind);
  r.message = std::move(message);
  return r;
}

DriverReply DriverReply::ApplyError(std::string kind, std::string message,
                                    bool definite) {
  DriverReply r = Error(std::move(kind), std::move(message));
  r.definite = definite;
  return r;
}

DriverReply DriverBackend::Txn(const TxnOpRequest&) {
  return DriverReply::ApplyError(
      "protocol", "txn: this driver does not run transactions with reads",
      true);
}

namespace {

DriverReply ProtocolError(std::string message) {
  return DriverReply::Error("protocol", std::move(message));
}

// Parses a `txn` request: {"workload": "list-append" | "rw-register",
// "mops": [["r", k], ["append", k, v], ["w", k, v], ...]}.
DriverReply ParseTxn(const json& req, TxnOpRequest* out) {
  const json workload = req.value("workload", json());
  if (workload != "list-append" && workload != "rw-register") {
    return ProtocolError(
        "txn: \"workload\" must be \"list-append\" or \"rw-register\"");
  }
  out->list_append = workload == "list-append";
  if (!req.contains("mops") || !req["mops"].is_array()) {
    return ProtocolError("txn: \"mops\" must be a list");
  }
  for (const json& m : req["mops"]) {
    TxnOpRequest::Mop mop;
    const bool shaped = m.is_array() && m.size() >= 2 && m[0].is_string() &&
                        m[1].is_number_integer();
    const std::string f = shaped ? m[0].get<std::string>() : "";
    if (f == "r" && m.size() == 2) {
      mop.fn = TxnOpRequest::Fn::kRead;
    } else if ((f == "append" && out->list_append) ||
               (f == "w" && !out->list_append)) {
      if (m.size() != 3 || !m[2].is_number_integer()) {
        return ProtocolError("txn: " + f + " takes a key and an integer");
      }
      mop.fn = f == "w" ? TxnOpRequest::Fn::kWrite : TxnOpRequest::Fn::kAppend;
      mop.value = m[2].get<int64_t>();
    } else {
      return ProtocolError("txn: bad mop " + m.dump() +
                           " (list-append: [\"r\",k], [\"append\",k,v]; "
                           "rw-register: [\"r\",k], [\"w\",k,v])");
    }
    mop.key = m[1].get<int64_t>();
    out->mops.push_back(mop);
  }
  return DriverReply::Ok();
}

// Parses the fields of an `open` request; a wrong type is a protocol error.
DriverReply ParseOpen(const json& req, OpenRequest* out) {
  if (!req.contains("dir") || !req["dir"].is_string() ||
      req["dir"].get<std::string>().empty()) {
    return ProtocolError("open: \"dir\" must be a non-empty string");
  }
  out->dir = req["dir"].get<std::string>();
  const json settings = req.value("settings", json::object());
  if (!settings.is_object()) {
    return ProtocolError("open: \"settings\" must be an object");
  }
  for (const auto& [k, v] : settings.items()) {
    if (!v.is_string()) {
      return DriverReply::Error("settings",
                                "setting " + k + " must be a string");
    }
    out->settings[k] = v.get<std::string>();
  }
  if (!req.contains("schema")) return ProtocolError("open: no \"schema\"");
  auto schema = Schema::FromJson(req["schema"]);
  if (!schema.ok()) return ProtocolError("open: " + schema.status().message());
  out->schema = std::move(*schema);
  const json create = req.value("create", json(false));
  if (!create.is_boolean()) {
    return ProtocolError("open: \"create\" must be true or false");
  }
  out->create = create.get<bool>();
  return DriverReply::Ok();
}

DriverReply ParseApply(const json& req, ApplyRequest* out) {
  if (!req.contains("op") || !req["op"].is_object()) {
    return ProtocolError("apply: \"op\" must be an object");
  }
  const json& op = req["op"];
  out->id = op.value("id", json());
  if (op.contains("f") && op["f"].is_string()) out->f = op["f"];
  if (!op.contains("mutations") || !op["mutations"].is_array()) {
    return ProtocolError("apply: \"op.mutations\" must be a list");
  }
  for (const auto& m : op["mutations"]) {
    auto mutation = Mutation::FromJson(m);
    if (!mutation.ok()) {
      return ProtocolError("apply: " + mutation.status().message());
    }
    out->mutations.push_back(std::move(*mutation));
  }
  if (op.contains("schema_changes")) {
    if (!op["schema_changes"].is_array()) {
      return ProtocolError("apply: \"op.schema_changes\" must be a list");
    }
    for (const auto& c : op["schema_changes"]) {
      auto change = SchemaChange::FromJson(c);
      if (!change.ok()) {
        return ProtocolError("apply: " + change.status().message());
      }
      out->schema_changes.push_back(std::move(*change));
    }
  }
  return DriverReply::Ok();
}

// `dump`: with "digest", the backend's DumpDigest, keeping the rows of its
// read in *kept; without, those rows if kept, else a new read.
DriverReply Dump(DriverBackend& backend, const json& req,
                 std::function<DriverReply()>* kept) {
  if (!backend.is_open()) return ProtocolError("dump: not open");
  const json digest = req.value("digest", json(false));
  if (!digest.is_boolean()) {
    return ProtocolError("dump: \"digest\" must be true or false");
  }
  if (!digest.get<bool>()) {
    if (!*kept) return backend.Dump();
    return std::exchange(*kept, nullptr)();
  }
  DigestDump d = backend.DumpDigest();
  *kept = std::move(d.rows);
  return std::move(d.reply);
}

// Runs one parsed request. Sets *quit when the loop must end. *kept holds a
// digest dump's rows until the next request.
DriverReply Dispatch(DriverBackend& backend, const json& req, bool* quit,
                     std::function<DriverReply()>* kept) {
  if (!req.contains("cmd") || !req["cmd"].is_string()) {
    return ProtocolError("request has no \"cmd\" string");
  }
  const std::string cmd = req["cmd"].get<std::string>();
  if (cmd == "dump") return Dump(backend, req, kept);
  *kept = nullptr;
  if (cmd == "hello") {
    json fields = backend.Hello();
    fields["protocol"] = kDriverProtocolVersion;
    fields["digest"] = true;
    return DriverReply::Ok(std::move(fields));
  }
  if (cmd == "open") {
    if (backend.is_open()) {
      return ProtocolError("open: already open; send close first");
    }
    OpenRequest open;
    DriverReply parsed = ParseOpen(req, &open);
    return parsed.ok ? backend.Open(open) : parsed;
  }
  if (cmd == "apply") {
    ApplyRequest apply;
    DriverReply parsed = ParseApply(req, &apply);
    if (parsed.ok && !backend.is_open()) {
      parsed = ProtocolError("apply: not open");
    }
    if (!parsed.ok) {
      parsed.definite = true;  // nothing was attempted
      return parsed;
    }
    return backend.Apply(apply);
  }
  if (cmd == "txn") {
    TxnOpRequest txn;
    DriverReply parsed = ParseTxn(req, &txn);
    if (parsed.ok && !backend.is_open()) parsed = ProtocolError("txn: not open");
    if (!parsed.ok) {
      parsed.definite = true;  // nothing was attempted
      return parsed;
    }
    return backend.Txn(txn);
  }
  if (cmd == "close") {
    return backend.is_open() ? backend.Close() : DriverReply::Ok();
  }
  if (cmd == "quit") {
    *quit = true;
    return backend.is_open() ? backend.Close() : DriverReply::Ok();
  }
  return ProtocolError("unknown cmd '" + cmd + "'");
}

// Moves r's fields into the reply (a dump's hold every row).
json ReplyJson(const json& id, DriverReply&& r) {
  json reply = {{"id", id}, {"ok", r.ok}};
  if (r.ok) {
    if (!r.fields.is_object()) return reply;
    for (auto& [k, v] : r.fields.get_ref<json::object_t&>()) {
      if (k != "id" && k != "ok") reply[k] = std::move(v);
    }
    return reply;
  }
  json error = {{"kind", r.kind}, {"message", r.message}};
  if (r.definite.has_value()) error["definite"] = *r.definite;
  reply["error"] = std::move(error);
  return reply;
}

}  // namespace

int RunDriverLoop(DriverBackend& backend, std::istream& in, std::ostream& out) {
  std::string line;
  bool quit = false;
  std::function<DriverReply()> kept;
  while (!quit && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    json id = nullptr;
    DriverReply reply;
    const json req = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded() || !req.is_object()) {
      reply = ProtocolError("request is not a JSON object");
    } else {
      id = req.value("id", json());
      try {
        reply = Dispatch(backend, req, &quit, &kept);
      } catch (const std::exception& e) {
        // A backend or JSON-access bug must cost one request, not the driver.
        reply = DriverReply::Error("other", std::string("driver: ") + e.what());
      }
    }
    // Engines may hand back invalid UTF-8 (e.g. from a corrupt page): replace
    // it rather than throw, so the reply still goes out.
    out << ReplyJson(id, std::move(reply)).dump(-1, ' ', false,
                                     json::error_handler_t::replace)
        << '\n'
        << std::flush;
  }
  if (backend.is_open()) (void)backend.Close();
  return 0;
}

void DriverLog(const char* driver, const std::string& message) {
  std::string line = std::string(driver) + "[" + std::to_string(::getpid()) +
                     "]: " + message;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  line += '\n';
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n =
        ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log that cannot be written is not worth dying for
    done += static_cast<size_t>(n);
  }
}

}  // namespace crashlab

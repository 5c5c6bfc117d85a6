#include "engines/sqlite/sqlite_txn.h"

#include <sstream>

namespace crashlab {

using nlohmann::json;

namespace {

const char* KindOfRc(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "busy";
    case SQLITE_IOERR:
      return "io";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "corrupt";
    default:
      return "other";
  }
}

// "1 2 3" -> [1, 2, 3]; a malformed list comes back as the text it is,
// which the checker then reports as a garbage read.
json ParseList(const std::string& text) {
  json out = json::array();
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    size_t used = 0;
    try {
      const long long v = std::stoll(word, &used);
      if (used != word.size()) return text;
      out.push_back(v);
    } catch (const std::exception&) {
      return text;
    }
  }
  return out;
}

}  // namespace

int SqliteTxn::Step(bool list_append, const TxnOpRequest::Mop& mop,
                    json* read) {
  const char* table = list_append ? "lists" : "registers";
  std::string sql;
  switch (mop.fn) {
    case TxnOpRequest::Fn::kRead:
      sql = std::string("SELECT v FROM ") + table + " WHERE k = ?1";
      break;
    case TxnOpRequest::Fn::kAppend:
      sql =
          "INSERT INTO lists (k, v) VALUES (?1, ?2) ON CONFLICT (k) "
          "DO UPDATE SET v = v || ' ' || excluded.v";
      break;
    case TxnOpRequest::Fn::kWrite:
      sql =
          "INSERT INTO registers (k, v) VALUES (?1, ?2) ON CONFLICT (k) "
          "DO UPDATE SET v = excluded.v";
      break;
  }
  sqlite3_stmt* stmt = c_.prepared(sql);
  if (!stmt) return SQLITE_ERROR;
  sqlite3_bind_int64(stmt, 1, mop.key);
  if (mop.fn == TxnOpRequest::Fn::kAppend) {
    sqlite3_bind_text(stmt, 2, std::to_string(mop.value).c_str(), -1,
                      SQLITE_TRANSIENT);
  } else if (mop.fn == TxnOpRequest::Fn::kWrite) {
    sqlite3_bind_int64(stmt, 2, mop.value);
  }
  *read = nullptr;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    if (sqlite3_column_type(stmt, 0) == SQLITE_INTEGER) {
      *read = static_cast<int64_t>(sqlite3_column_int64(stmt, 0));
    } else if (sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
      const char* text =
          reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      *read =
          list_append ? ParseList(text ? text : "") : json(text ? text : "");
    }
    rc = sqlite3_step(stmt);
  }
  if (rc != SQLITE_DONE) c_.fail(rc, sql);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

DriverReply SqliteTxn::Run(const TxnOpRequest& req) {
  if (!tables_) {
    const int rc = c_.exec(
        "CREATE TABLE IF NOT EXISTS lists (k INTEGER PRIMARY KEY, v TEXT);"
        "CREATE TABLE IF NOT EXISTS registers (k INTEGER PRIMARY KEY, "
        "v INTEGER)");
    if (rc != SQLITE_OK) {
      return DriverReply::ApplyError(KindOfRc(rc), c_.error(), c_.roll_back());
    }
    tables_ = true;
  }
  bool writes = false;
  for (const auto& m : req.mops) writes |= m.fn != TxnOpRequest::Fn::kRead;
  int rc = c_.exec(writes ? "BEGIN IMMEDIATE" : "BEGIN");
  json reads = json::array();
  for (size_t i = 0; rc == SQLITE_OK && i < req.mops.size(); ++i) {
    json read;
    rc = Step(req.list_append, req.mops[i], &read);
    reads.push_back(std::move(read));
  }
  if (rc != SQLITE_OK) {
    return DriverReply::ApplyError(KindOfRc(rc), c_.error(), c_.roll_back());
  }
  rc = c_.exec("COMMIT");
  if (rc != SQLITE_OK) {
    const bool busy = (rc & 0xff) == SQLITE_BUSY;
    return DriverReply::ApplyError(KindOfRc(rc), c_.error(),
                                   c_.roll_back() && busy);
  }
  return DriverReply::Ok({{"reads", std::move(reads)}});
}

}  // namespace crashlab

// An SQL identifier, quoted the standard way (SQL:2016 5.2; SQLite and
// PostgreSQL both follow it): "name", inner double quotes doubled. Shared
// by the SQLite and PostgreSQL statement builders.
#ifndef CRASHLAB_ENGINES_SQL_IDENT_H_
#define CRASHLAB_ENGINES_SQL_IDENT_H_

#include <string>

namespace crashlab {

inline std::string QuoteSqlIdent(const std::string& name) {
  std::string q = "\"";
  for (char c : name) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SQL_IDENT_H_

#include "harness/record/file_names.h"

#include <cctype>
#include <regex>

namespace crashlab {

std::map<FileId, std::string> LastFileNames(const Trace& trace) {
  std::map<FileId, std::string> names;
  for (const Record& r : trace.records) {
    switch (r.op) {
      case Op::kBaseEntry:
      case Op::kCreate:
      case Op::kMkdir:
      case Op::kSymlink:
      case Op::kLink:
        names[r.file] = r.name;
        break;
      case Op::kRename:
        names[r.file] = r.new_name;
        break;
      default:
        break;
    }
  }
  return names;
}

std::string FileGroupName(const std::string& name) {
  // UUIDs (Skytable's space and model directories) first, then digit runs.
  static const std::regex kUuid(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  const std::string plain = std::regex_replace(name, kUuid, "UUID");
  std::string out;
  for (size_t i = 0; i < plain.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(plain[i]))) {
      if (i == 0 || !std::isdigit(static_cast<unsigned char>(plain[i - 1]))) {
        out += 'N';
      }
    } else {
      out += plain[i];
    }
  }
  return out;
}

}  // namespace crashlab

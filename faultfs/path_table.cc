#include "faultfs/path_table.h"

#include <algorithm>
#include <cstdio>

namespace crashlab::faultfs {
namespace {

// Deeper than any real tree; stops a corrupt parent chain from looping.
constexpr int kMaxDepth = 4096;

}  // namespace

void PathTable::Add(FileId parent, const std::string& name, FileId file) {
  names_[file].emplace_back(parent, name);
}

void PathTable::Remove(FileId parent, const std::string& name, FileId file) {
  auto it = names_.find(file);
  if (it == names_.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), Name(parent, name));
  if (pos == list.end()) return;
  if (list.size() == 1) {
    last_[file] = *pos;
    names_.erase(it);
    return;
  }
  list.erase(pos);
}

void PathTable::Apply(const Record& r) {
  switch (r.op) {
    case Op::kBaseEntry:
    case Op::kCreate:
    case Op::kMkdir:
    case Op::kSymlink:
    case Op::kLink:
      Add(r.parent, r.name, r.file);
      break;
    case Op::kUnlink:
    case Op::kRmdir:
      Remove(r.parent, r.name, r.file);
      break;
    case Op::kRename:
      if (r.other != 0) {
        Remove(r.new_parent, r.new_name, r.other);
        if (r.flags & RENAME_EXCHANGE) Add(r.parent, r.name, r.other);
      }
      Remove(r.parent, r.name, r.file);
      Add(r.new_parent, r.new_name, r.file);
      break;
    default:
      break;
  }
}

std::string PathTable::PathOf(FileId file) const {
  std::vector<const std::string*> parts;
  for (int depth = 0; file != kRootId && depth < kMaxDepth; ++depth) {
    const Name* name = nullptr;
    if (auto it = names_.find(file); it != names_.end()) {
      name = &it->second.front();
    } else if (auto last = last_.find(file); last != last_.end()) {
      name = &last->second;
    } else {
      return "";
    }
    parts.push_back(&name->second);
    file = name->first;
  }
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!path.empty()) path += '/';
    path += **it;
  }
  return path;
}

std::string PathTable::ChildPath(FileId parent, const std::string& name) const {
  const std::string dir = PathOf(parent);
  return dir.empty() ? name : dir + "/" + name;
}

}  // namespace crashlab::faultfs

#include "reports/sweep.h"

#include <algorithm>

namespace crashlab {

using nlohmann::json;

namespace {

const json* First(const json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (j.contains(k)) return &j[k];
  }
  return nullptr;
}

Result<SweepRegion> ParseRegion(const json& r) {
  const json* off = First(r, {"offset", "start"});
  const json* len = First(r, {"length", "len", "size"});
  const json* end = First(r, {"end"});
  const json* out =
      First(r, {"result", "outcome", "classification", "class", "reaction", "verdict"});
  if (!off || !off->is_number_unsigned() || !out || !out->is_string() ||
      !((len && len->is_number_unsigned()) ||
        (end && end->is_number_unsigned()))) {
    return Status::BadInput("sweep region needs offset, length and outcome: " +
                            r.dump().substr(0, 200));
  }
  SweepRegion region;
  region.offset = off->get<uint64_t>();
  region.length = len ? len->get<uint64_t>()
                      : std::max(end->get<uint64_t>(), region.offset) - region.offset;
  region.outcome = out->get<std::string>();
  if (r.contains("mode") && r["mode"].is_string()) region.mode = r["mode"];
  return region;
}

}  // namespace

SweepClass ClassifyOutcome(const std::string& outcome) {
  auto has = [&](const char* w) { return outcome.find(w) != std::string::npos; };
  if (has("silent") || has("undetected") || has("wrong")) return SweepClass::kSilent;
  if (has("detect") || has("refuse") || has("repair") || has("reject") ||
      has("harmless") || has("unchanged")) {
    return SweepClass::kProtected;
  }
  if (has("crash") || has("hang") || has("fail")) return SweepClass::kFailed;
  return SweepClass::kOther;
}

Result<std::vector<SweepFile>> ParseSweep(const json& j) {
  const json* files = j.is_array() ? &j : j.is_object() ? First(j, {"files"}) : nullptr;
  if (!files || !files->is_array()) {
    return Status::BadInput("sweep has no \"files\" array");
  }
  std::vector<SweepFile> out;
  for (const json& f : *files) {
    const json* name = f.is_object() ? First(f, {"path", "file", "name"}) : nullptr;
    const json* regions = f.is_object() ? First(f, {"regions", "results"}) : nullptr;
    if (!name || !name->is_string() || !regions || !regions->is_array()) {
      return Status::BadInput("sweep file entry needs a path and regions");
    }
    SweepFile file;
    file.path = name->get<std::string>();
    for (const json& r : *regions) {
      CRASHLAB_ASSIGN_OR_RETURN(SweepRegion region, ParseRegion(r));
      file.size = std::max(file.size, region.offset + region.length);
      file.regions.push_back(std::move(region));
    }
    if (f.contains("size") && f["size"].is_number_unsigned()) {
      file.size = std::max(file.size, f["size"].get<uint64_t>());
    }
    std::sort(file.regions.begin(), file.regions.end(),
              [](const SweepRegion& a, const SweepRegion& b) {
                return a.offset < b.offset;
              });
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace crashlab

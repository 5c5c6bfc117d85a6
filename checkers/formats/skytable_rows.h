// Skytable 0.8 rows on disk: the deltas inside a model's batches, and what
// a whole data directory holds once its intact batches are replayed.
//
// A batch body, after its counts (checkers/formats/skytable_format.cc):
//   row*  [0x03 early exit]  actual_rows u64       then the batch CRC
//   row   kind u8 (0 delete, 1 insert, 2 update) | delta version u64 |
//         key | cells (every non-key column, declared order; none for a
//         delete)
//   key   for primary-key type tag 3 (string): length u64 | bytes
//   cell  type byte (Skyhash 2 cell numbering) | value: 0x00 null; 0x01
//         bool, one byte; 0x02-0x0B numbers, eight bytes little-endian;
//         0x0C binary / 0x0D string, length u64 | bytes; 0x0E list,
//         count u64 | cells
// The recordings (../shared/engines/fixtures/skytable) show string keys,
// string, uint64 and bool cells, all three row kinds and the early exit;
// other key tags are refused rather than guessed, and number widths other
// than uint64 are read as the eight bytes the format reserves.
//
// This reads bytes; it is not Skytable. What the server does with the same
// directory (0.8.0 refuses any journal without a final Closed event; 0.8.1
// repairs to the last valid event) is recorded in events.json beside the
// fixtures and is what a live run measures. Pure functions; thread-safe.
#ifndef CRASHLAB_CHECKERS_FORMATS_SKYTABLE_ROWS_H_
#define CRASHLAB_CHECKERS_FORMATS_SKYTABLE_ROWS_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace crashlab::formats {

// The rows of one batch, decoded from `rows`: the bytes after the batch's
// column count up to (not including) its CRC. Each row is {"kind":
// "insert"|"update"|"delete", "version": n, "key": "...", "cells": [...]}
// (binary cells as {"hex": "..."}). Sets *early_exit. BadInput saying where
// the bytes stop making sense.
Result<nlohmann::json> DecodeSkytableBatchRows(std::string_view rows,
                                               uint64_t expected_rows,
                                               uint8_t pk_type_tag,
                                               uint64_t columns,
                                               bool* early_exit);

// One model journal of a data directory, replayed.
struct SkytableModel {
  std::string file;  // path relative to the data directory
  // key -> the row's cells after every intact batch, in order.
  std::map<std::string, nlohmann::json> rows;
  uint64_t batches = 0;     // intact batches replayed
  bool closed = false;      // ends with a Closed driver event
  std::string stopped_at;   // "" or why replay stopped early (damage)
};

struct SkytableDisk {
  bool gns_closed = false;
  std::string gns_damage;  // "" when every GNS element is intact
  std::map<std::string, SkytableModel> models;  // "space.model" -> journal
};

// Reads DIR/gns.db-tlog and every DIR/data/<space>-<uuid>/mdl_<model>-<uuid>/
// data.db-btlog. Replay stops at a model's first element that is not
// intact, as a repair to the last valid event would. BadInput when DIR has
// no GNS log.
Result<SkytableDisk> ReadSkytableDisk(const std::string& dir);

}  // namespace crashlab::formats

#endif  // CRASHLAB_CHECKERS_FORMATS_SKYTABLE_ROWS_H_

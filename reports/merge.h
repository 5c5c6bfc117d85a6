// Merging the reports of an exploration's shards.
//
// `crashlab run --shard K/N` checks the states i with i mod N == K-1 of one
// deterministic state space; each shard writes its own report. MergeReports
// combines them into the report the unsharded run writes: the same distinct
// findings (by fingerprint), each with the same representative crash state
// (fewest lost operations, first in the space on a tie), summed state
// counts and the verdict recomputed. Shards of different runs (engine,
// settings, workload, seed, models or state-space settings differ) are
// refused. Missing shards make the merge `incomplete`.
#ifndef CRASHLAB_REPORTS_MERGE_H_
#define CRASHLAB_REPORTS_MERGE_H_

#include <vector>

#include "core/status.h"
#include "reports/report.h"

namespace crashlab {

Result<Report> MergeReports(const std::vector<Report>& shards);

}  // namespace crashlab

#endif  // CRASHLAB_REPORTS_MERGE_H_

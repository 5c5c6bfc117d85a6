// Workload: a deterministic source of logical operations (core/data_model.h)
// for one engine, keeping the sequential model their expected effects are
// computed in.
//
// Two exist: `auth` (auth.h, rows of an authentication service) and `ddl`
// (ddl.h, schema changes of a migration). Runners (harness/) drive either
// through this seam: Next() issues an operation, Complete() tells the model
// whether it took effect, Rebase() replaces the model with what an engine
// really holds after a crash. Not thread-safe.
#ifndef CRASHLAB_WORKLOADS_WORKLOAD_H_
#define CRASHLAB_WORKLOADS_WORKLOAD_H_

#include <cstdint>
#include <string>

#include "core/data_model.h"
#include "core/rng.h"

namespace crashlab {

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string name() const = 0;
  // The tables the engine creates and dumps (ddl: the catalog pseudo-table).
  virtual const Schema& schema() const = 0;
  // The next operation, with its mutations or schema changes and its
  // expected effects against the model.
  virtual LogicalOp Next(uint64_t process = 0) = 0;
  // Whether `op` took effect (ok) or not (fail).
  virtual void Complete(const LogicalOp& op, bool applied) = 0;
  // Replaces the model with what an engine actually holds (after a crash).
  virtual void Rebase(const Rows& rows) = 0;
};

// An operation name and its relative weight when it is possible at all.
struct WeightedChoice {
  const char* f;
  int weight;
};

// One of `choices` for which `possible(f)` holds, drawn with probability
// proportional to its weight from one draw of `rng`; nullptr when none is
// possible. The draw depends only on the weights of the possible choices,
// so a workload's operations stay the same for a seed.
template <typename Choices, typename Possible>
const char* PickWeighted(const Choices& choices, Possible&& possible, Rng& rng) {
  int total = 0;
  for (const WeightedChoice& c : choices) total += possible(c.f) ? c.weight : 0;
  if (total == 0) return nullptr;
  int pick = static_cast<int>(rng.Uniform(static_cast<uint64_t>(total)));
  for (const WeightedChoice& c : choices) {
    if (!possible(c.f)) continue;
    if (pick < c.weight) return c.f;
    pick -= c.weight;
  }
  return nullptr;
}

}  // namespace crashlab

#endif  // CRASHLAB_WORKLOADS_WORKLOAD_H_

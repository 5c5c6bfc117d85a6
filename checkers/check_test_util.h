// Test helper shared by the checker tests: findings as text, for comparing
// two checkers' findings with a readable difference.
#ifndef CRASHLAB_CHECKERS_CHECK_TEST_UTIL_H_
#define CRASHLAB_CHECKERS_CHECK_TEST_UTIL_H_

#include <string>
#include <vector>

#include "checkers/check.h"

namespace crashlab::testing_checkers {

// Each finding's key and summary, then each of its cells with the
// expected and observed values, one per line.
inline std::string Describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += f.Key() + " " + f.summary + "\n";
    for (const CellReport& c : f.cells) {
      out += "  " + c.cell.ToString() + " " + c.expected.dump() + " " +
             c.observed.dump() + "\n";
    }
  }
  return out;
}

}  // namespace crashlab::testing_checkers

#endif  // CRASHLAB_CHECKERS_CHECK_TEST_UTIL_H_

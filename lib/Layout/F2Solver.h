//===- F2Solver.h - Linear algebra over GF(2) for layouts -------*- C++ -*-===//
//
// Private helper of lib/Layout: an incremental row echelon form of bit
// vectors over GF(2). Vectors are added one at a time (the columns of a
// layout's matrix, i.e. its flattened bases, in input-bit order); each kept
// vector remembers which added vectors it combines, so a target vector can be
// written as a combination of the added ones.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_LIB_LAYOUT_F2SOLVER_H
#define FLASHTILE_LIB_LAYOUT_F2SOLVER_H

#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace flashtile {
namespace detail {

class F2Solver {
public:
  /// Adds the next vector (the index of the added vector is its position in
  /// the sequence of add() calls; at most 64 calls). Returns false when it
  /// is a combination of the vectors added before (a free variable).
  bool add(uint64_t vector) {
    unsigned index = numAdded++;
    uint64_t combo = uint64_t(1) << index;
    reduce(vector, combo);
    if (vector == 0)
      return false;
    // Keep rows sorted by pivot (highest set bit), highest first.
    Row row{vector, combo, highestBit(vector)};
    auto *it = rows.begin();
    while (it != rows.end() && it->pivot > row.pivot)
      ++it;
    rows.insert(it, row);
    return true;
  }

  /// A set of added vectors (bit i = the i-th added) whose XOR is `target`,
  /// or nullopt when target is outside their span. Among several solutions
  /// it uses only independent vectors (free ones are never selected).
  std::optional<uint64_t> solve(uint64_t target) const {
    uint64_t combo = 0;
    reduce(target, combo);
    if (target != 0)
      return std::nullopt;
    return combo;
  }

  /// Dimension of the span of the added vectors.
  unsigned rank() const { return rows.size(); }

private:
  struct Row {
    uint64_t vector;
    uint64_t combo;
    unsigned pivot;
  };

  static unsigned highestBit(uint64_t v) { return 63 - __builtin_clzll(v); }

  void reduce(uint64_t &vector, uint64_t &combo) const {
    for (const Row &row : rows) {
      if (vector & (uint64_t(1) << row.pivot)) {
        vector ^= row.vector;
        combo ^= row.combo;
      }
    }
  }

  llvm::SmallVector<Row, 16> rows;
  unsigned numAdded = 0;
};

} // namespace detail
} // namespace flashtile

#endif // FLASHTILE_LIB_LAYOUT_F2SOLVER_H

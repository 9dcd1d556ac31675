//===- LayoutIndexing.h - Index math the lowering emits ---------*- C++ -*-===//
//
// The lowering to LLVM turns linear layouts into per-thread code. Everything
// it computes from a layout at compile time lives here, free of MLIR, so it
// can be unit-tested against LinearLayout::apply:
//
//  * IndexPlan: how a thread computes, from its lane and warp ids, the
//    coordinates of each of its registers. A linear layout over GF(2) is
//    XOR-linear, so coord(r, lane, warp) = R(r) ^ f(lane) ^ g(warp), where
//    R(r) is a compile-time table and f, g are XORs of masked shifts of the
//    ids (one `(x & mask) << shift` per distinct bit distance).
//  * register permutations between two layouts of one thread (broadcast,
//    expand_dims, reshape, trans, no-op conversions);
//  * the decomposition of mma operand/accumulator layouts into the
//    fragments of single mma.sync instructions;
//  * the ldmatrix plan of a shared-memory -> dot-operand load.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHTILE_CONVERSION_TILEGPUTOLLVM_LAYOUTINDEXING_H
#define FLASHTILE_CONVERSION_TILEGPUTOLLVM_LAYOUTINDEXING_H

#include "flashtile/Layout/LinearLayout.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>

namespace flashtile::lowering {

//===----------------------------------------------------------------------===//
// Index plans
//===----------------------------------------------------------------------===//

/// One term of an output coordinate: (x & mask) shifted left by `shift`
/// (right by -shift when negative). Terms are XOR-combined.
struct IndexTerm {
  uint64_t mask = 0;
  int shift = 0;
  bool operator==(const IndexTerm &o) const {
    return mask == o.mask && shift == o.shift;
  }
};

/// The index math of a linear layout whose first input dimension is known
/// at compile time (the register) and whose other input dimensions are
/// runtime values (lane, warp):
///   out[d] = constant[c][d] ^ XOR_i XOR_{t in terms[d][i]} t(in_i)
/// where c is the value of the compile-time input.
struct IndexPlan {
  /// Name of the compile-time input dimension (may be absent: size 1).
  std::string constDim;
  /// Names of the runtime input dimensions, in the order terms use them.
  llvm::SmallVector<std::string> dynamicDims;
  /// Names of the output dimensions.
  llvm::SmallVector<std::string> outDims;
  /// terms[out][dynamic input].
  llvm::SmallVector<llvm::SmallVector<llvm::SmallVector<IndexTerm, 2>>> terms;
  /// constant[value of constDim][out].
  llvm::SmallVector<llvm::SmallVector<int32_t, 4>> constant;
};

/// The plan of `layout`, with `constDim` known at compile time and
/// `dynamicDims` at run time. Every input dimension of the layout must be
/// one of them (dimensions absent from the layout have size 1).
llvm::Expected<IndexPlan> planIndex(const LinearLayout &layout,
                                    llvm::StringRef constDim,
                                    llvm::ArrayRef<std::string> dynamicDims);

/// The plan of a distributed layout: constDim "register", dynamic "lane",
/// "warp".
llvm::Expected<IndexPlan> planDistributedIndex(const LinearLayout &layout);

/// Evaluates a list of terms on x.
int64_t evaluateTerms(llvm::ArrayRef<IndexTerm> terms, int64_t x);
/// The bits the runtime part of output `out` can have set: an XOR with a
/// constant outside them is an addition (which folds into an address).
uint64_t getDynamicBits(const IndexPlan &plan, unsigned out);

/// Evaluates a plan (as the emitted code does) for one compile-time value
/// and the runtime values (in plan.dynamicDims order).
llvm::SmallVector<int32_t> evaluatePlan(const IndexPlan &plan, int32_t c,
                                        llvm::ArrayRef<int32_t> dynamic);

//===----------------------------------------------------------------------===//
// Register permutations
//===----------------------------------------------------------------------===//

/// For each register of `dst`, the register of `src` that holds, in the same
/// lane and warp, the element dst's register holds; an error when some
/// element is held by another thread, or by a register that depends on the
/// lane or warp. Both layouts are distributed over the same outputs.
llvm::Expected<llvm::SmallVector<int32_t>>
getRegisterPermutation(const LinearLayout &src, const LinearLayout &dst);

/// `layout` (over a shape with dimension `axis` of size 1) with that output
/// dimension removed and the others renamed dim0, dim1, ...
LinearLayout dropUnitOutDim(const LinearLayout &layout, unsigned axis);

/// `layout` with the output coordinates of the dimensions in `dims` set to
/// 0 and their sizes to 1 (the source of a broadcast along them).
LinearLayout projectOutDims(const LinearLayout &layout,
                            llvm::ArrayRef<unsigned> dims);

/// The layout of the source of `trans` with `order` (result dimension i is
/// source dimension order[i]), given the result's layout.
LinearLayout untranspose(const LinearLayout &result,
                         llvm::ArrayRef<int32_t> order);

//===----------------------------------------------------------------------===//
// Elements a thread owns exactly once
//===----------------------------------------------------------------------===//

/// Registers, lane bits and warp bits whose elements another (register,
/// lane, warp) with those bits cleared also holds: a store or atomic is done
/// only by threads with (lane & laneMask) == 0 and (warp & warpMask) == 0,
/// for registers r with (r & registerMask) == 0.
struct DuplicateMasks {
  uint64_t registerMask = 0, laneMask = 0, warpMask = 0;
};
DuplicateMasks getDuplicateMasks(const LinearLayout &layout);

//===----------------------------------------------------------------------===//
// mma fragments
//===----------------------------------------------------------------------===//

/// The registers of a thread that form the fragments of single mma.sync
/// instructions. `fragment` is the layout of one instruction's operand (or
/// accumulator) in one warp (registers in the instruction's fragment order,
/// lanes); `full` the layout of the whole operand. tiles maps the tile
/// coordinates (coordinate / fragment size, per dimension, of the thread's
/// registers in lane 0 of warp 0) to the register of `full` holding each
/// fragment slot.
struct FragmentTiles {
  llvm::SmallVector<int32_t> tileShape;
  std::map<llvm::SmallVector<int32_t>, llvm::SmallVector<int32_t>> tiles;
};
llvm::Expected<FragmentTiles> getFragmentTiles(const LinearLayout &full,
                                               const LinearLayout &fragment);

//===----------------------------------------------------------------------===//
// ldmatrix
//===----------------------------------------------------------------------===//

/// How to load a dot-operand block of 16-bit elements from shared memory
/// with ldmatrix. `regToOffset` maps (register, lane, warp) to element
/// offsets in the buffer (dst layout composed with the inverse of the
/// shared layout). Registers are loaded in groups of 2 * numMatrices; group
/// g gives registers g * 2 * numMatrices + 2 * j + {0, 1} from result j.
/// Lane L supplies the row address
///   offset(groupBase) ^ rowAddress(L, warp)
/// where rowAddress is the linear layout (lane, warp) -> offset.
struct LdMatrixPlan {
  bool trans = false;
  int numMatrices = 4;
  LinearLayout rowAddress;
};
/// The plan, or an error saying why ldmatrix does not apply.
llvm::Expected<LdMatrixPlan> planLdMatrix(const LinearLayout &regToOffset);

} // namespace flashtile::lowering

#endif // FLASHTILE_CONVERSION_TILEGPUTOLLVM_LAYOUTINDEXING_H

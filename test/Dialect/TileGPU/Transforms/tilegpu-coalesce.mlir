// RUN: flash-opt %s --split-input-file --tilegpu-coalesce | FileCheck %s

// The layouts convert-tile-to-tilegpu gives 64x64, 64x1, 1x64, 64 and 1024
// blocks with 4 warps.
#b2 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#col = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
#row = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#v64 = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#v1k = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#s1col = #tilegpu.slice<{dim = 1, parent = #col}>
#s0row = #tilegpu.slice<{dim = 0, parent = #row}>

// A row-major f16 tile with 16-byte aligned rows: 8 halves (16 bytes) per
// thread along the rows, 8 lanes cover a 64-element row.

// CHECK-DAG: #[[DEF:.*]] = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[VEC8:.*]] = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-LABEL: func.func @row_major_tile
func.func @row_major_tile(%base: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %stride: i32 {tile.divisibility = 16 : i32}, %n: i32) -> tensor<64x64xf16, #b2> {
  %r = tile.make_range 0 to 64 : tensor<64xi32, #s1col>
  %rows = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32, #s1col> -> tensor<64x1xi32, #col>
  %sv = tile.splat %stride : i32 -> tensor<64x1xi32, #col>
  %ro = arith.muli %rows, %sv : tensor<64x1xi32, #col>
  %ro2 = tilegpu.convert_layout %ro : tensor<64x1xi32, #col> -> tensor<64x1xi32, #b2>
  %rob = tile.broadcast %ro2 : tensor<64x1xi32, #b2> -> tensor<64x64xi32, #b2>
  %c = tile.make_range 0 to 64 : tensor<64xi32, #s0row>
  %cols = tile.expand_dims %c {axis = 0 : i32} : tensor<64xi32, #s0row> -> tensor<1x64xi32, #row>
  %cols2 = tilegpu.convert_layout %cols : tensor<1x64xi32, #row> -> tensor<1x64xi32, #b2>
  %cb = tile.broadcast %cols2 : tensor<1x64xi32, #b2> -> tensor<64x64xi32, #b2>
  %off = arith.addi %rob, %cb : tensor<64x64xi32, #b2>
  %bp = tile.splat %base : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #b2>
  %p = tile.addptr %bp, %off : tensor<64x64x!tile.ptr<f16>, #b2>, tensor<64x64xi32, #b2>
  // CHECK: %[[P:.*]] = tilegpu.convert_layout %{{.*}} : tensor<64x64x!tile.ptr<f16>, #[[DEF]]> -> tensor<64x64x!tile.ptr<f16>, #[[VEC8]]>
  // CHECK: %[[X:.*]] = tile.load %[[P]] : tensor<64x64x!tile.ptr<f16>, #[[VEC8]]>
  // CHECK: %[[Y:.*]] = tilegpu.convert_layout %[[X]] : tensor<64x64xf16, #[[VEC8]]> -> tensor<64x64xf16, #[[DEF]]>
  // CHECK: return %[[Y]]
  %x = tile.load %p : tensor<64x64x!tile.ptr<f16>, #b2>
  return %x : tensor<64x64xf16, #b2>
}

// -----

// The same tile stored column-major (contiguous along dimension 0): the
// vectors and lanes go down the columns.

#b2 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#col = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
#row = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#s1col = #tilegpu.slice<{dim = 1, parent = #col}>
#s0row = #tilegpu.slice<{dim = 0, parent = #row}>

// CHECK-DAG: #[[CM:.*]] = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]}>
// CHECK-LABEL: func.func @column_major_store
func.func @column_major_store(%base: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %stride: i32 {tile.divisibility = 16 : i32}, %x: tensor<64x64xf16, #b2>) {
  %r = tile.make_range 0 to 64 : tensor<64xi32, #s1col>
  %rows = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32, #s1col> -> tensor<64x1xi32, #col>
  %rows2 = tilegpu.convert_layout %rows : tensor<64x1xi32, #col> -> tensor<64x1xi32, #b2>
  %rb = tile.broadcast %rows2 : tensor<64x1xi32, #b2> -> tensor<64x64xi32, #b2>
  %c = tile.make_range 0 to 64 : tensor<64xi32, #s0row>
  %cols = tile.expand_dims %c {axis = 0 : i32} : tensor<64xi32, #s0row> -> tensor<1x64xi32, #row>
  %sv = tile.splat %stride : i32 -> tensor<1x64xi32, #row>
  %co = arith.muli %cols, %sv : tensor<1x64xi32, #row>
  %co2 = tilegpu.convert_layout %co : tensor<1x64xi32, #row> -> tensor<1x64xi32, #b2>
  %cb = tile.broadcast %co2 : tensor<1x64xi32, #b2> -> tensor<64x64xi32, #b2>
  %off = arith.addi %rb, %cb : tensor<64x64xi32, #b2>
  %bp = tile.splat %base : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #b2>
  %p = tile.addptr %bp, %off : tensor<64x64x!tile.ptr<f16>, #b2>, tensor<64x64xi32, #b2>
  // CHECK: tile.store %{{.*}}, %{{.*}} : tensor<64x64x!tile.ptr<f16>, #[[CM]]>
  tile.store %p, %x : tensor<64x64x!tile.ptr<f16>, #b2>
  return
}

// -----

// 1-D accesses: f32 gets 4 elements (16 bytes) per thread; a pointer
// without a divisibility hint is only known to be aligned to its element,
// so no vector; a block of 64 elements over 128 threads gets 1 per thread.

#v1k = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#v64 = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>

// CHECK-DAG: #[[F32:.*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[ONE:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-LABEL: func.func @vectors
func.func @vectors(%a: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %b: !tile.ptr<f16>, %c: !tile.ptr<f32> {tile.divisibility = 16 : i32}) {
  %r = tile.make_range 0 to 1024 : tensor<1024xi32, #v1k>
  %pa0 = tile.splat %a : !tile.ptr<f32> -> tensor<1024x!tile.ptr<f32>, #v1k>
  %pa = tile.addptr %pa0, %r : tensor<1024x!tile.ptr<f32>, #v1k>, tensor<1024xi32, #v1k>
  // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[F32]]>
  %x = tile.load %pa : tensor<1024x!tile.ptr<f32>, #v1k>
  %pb0 = tile.splat %b : !tile.ptr<f16> -> tensor<1024x!tile.ptr<f16>, #v1k>
  %pb = tile.addptr %pb0, %r : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024xi32, #v1k>
  // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[ONE]]>
  %y = tile.load %pb : tensor<1024x!tile.ptr<f16>, #v1k>
  %r64 = tile.make_range 0 to 64 : tensor<64xi32, #v64>
  %pc0 = tile.splat %c : !tile.ptr<f32> -> tensor<64x!tile.ptr<f32>, #v64>
  %pc = tile.addptr %pc0, %r64 : tensor<64x!tile.ptr<f32>, #v64>, tensor<64xi32, #v64>
  %z = tile.load %pc : tensor<64x!tile.ptr<f32>, #v64>
  // CHECK-NOT: tilegpu.convert_layout %{{.*}} : tensor<64x!tile.ptr<f32>
  // CHECK: tile.store %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<f32>, #[[ONE]]>
  tile.store %pc, %z : tensor<64x!tile.ptr<f32>, #v64>
  // Atomics go one element at a time.
  // CHECK: tile.atomic_rmw add, %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[ONE]]>
  %old = tile.atomic_rmw add, %pa, %x : tensor<1024x!tile.ptr<f32>, #v1k>
  return
}

// -----

// Masks: `offs < n` is uniform over 8 elements only when n is a multiple
// of 8 (here: of 16), otherwise each element needs its own predicate.

#v1k = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>

// CHECK-DAG: #[[VEC8:.*]] = #tilegpu.blocked<{sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[ONE:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-LABEL: func.func @masks
func.func @masks(%a: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %n16: i32 {tile.divisibility = 16 : i32}, %n: i32) {
  %pid = tile.program_id 0
  %c1024 = arith.constant 1024 : i32
  %start = arith.muli %pid, %c1024 : i32
  %sv = tile.splat %start : i32 -> tensor<1024xi32, #v1k>
  %r = tile.make_range 0 to 1024 : tensor<1024xi32, #v1k>
  %offs = arith.addi %sv, %r : tensor<1024xi32, #v1k>
  %p0 = tile.splat %a : !tile.ptr<f16> -> tensor<1024x!tile.ptr<f16>, #v1k>
  %p = tile.addptr %p0, %offs : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024xi32, #v1k>
  %nv16 = tile.splat %n16 : i32 -> tensor<1024xi32, #v1k>
  %m16 = arith.cmpi slt, %offs, %nv16 : tensor<1024xi32, #v1k>
  // CHECK: tile.load %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[VEC8]]>
  %x = tile.load %p, %m16 : tensor<1024x!tile.ptr<f16>, #v1k>
  %nv = tile.splat %n : i32 -> tensor<1024xi32, #v1k>
  %m = arith.cmpi slt, %offs, %nv : tensor<1024xi32, #v1k>
  // CHECK: tile.load %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[ONE]]>
  %y = tile.load %p, %m : tensor<1024x!tile.ptr<f16>, #v1k>
  // `offs <= n` changes inside an aligned run even for n a multiple of 16.
  %le = arith.cmpi sle, %offs, %nv16 : tensor<1024xi32, #v1k>
  // CHECK: tile.load %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[ONE]]>
  %z = tile.load %p, %le : tensor<1024x!tile.ptr<f16>, #v1k>
  return
}

// -----

// Loop-carried pointers keep what holds on entry and after each iteration:
// advancing by a multiple of 8 elements keeps 16-byte vectors, by 1 does
// not.

#v1k = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>

// CHECK-DAG: #[[VEC8:.*]] = #tilegpu.blocked<{sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[ONE:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-LABEL: func.func @loop_carried
func.func @loop_carried(%a: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %n: i32) {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %step64 = arith.constant dense<64> : tensor<1024xi32, #v1k>
  %step1 = arith.constant dense<1> : tensor<1024xi32, #v1k>
  %r = tile.make_range 0 to 1024 : tensor<1024xi32, #v1k>
  %p0 = tile.splat %a : !tile.ptr<f16> -> tensor<1024x!tile.ptr<f16>, #v1k>
  %p = tile.addptr %p0, %r : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024xi32, #v1k>
  %res:2 = scf.for %i = %c0 to %n step %c1 iter_args(%q = %p, %s = %p) -> (tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024x!tile.ptr<f16>, #v1k>) : i32 {
    // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[VEC8]]>
    %x = tile.load %q : tensor<1024x!tile.ptr<f16>, #v1k>
    // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[ONE]]>
    %y = tile.load %s : tensor<1024x!tile.ptr<f16>, #v1k>
    %qn = tile.addptr %q, %step64 : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024xi32, #v1k>
    %sn = tile.addptr %s, %step1 : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024xi32, #v1k>
    scf.yield %qn, %sn : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024x!tile.ptr<f16>, #v1k>
  }
  return
}

// -----

// Asynchronous copies into shared memory are coalesced like loads.

#b2 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#row = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#s0row = #tilegpu.slice<{dim = 0, parent = #row}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// CHECK-DAG: #[[VEC8:.*]] = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-LABEL: func.func @async_copy
func.func @async_copy(%base: !tile.ptr<f16> {tile.divisibility = 16 : i32}) {
  %c = tile.make_range 0 to 64 : tensor<64xi32, #s0row>
  %cols = tile.expand_dims %c {axis = 0 : i32} : tensor<64xi32, #s0row> -> tensor<1x64xi32, #row>
  %cols2 = tilegpu.convert_layout %cols : tensor<1x64xi32, #row> -> tensor<1x64xi32, #b2>
  %cb = tile.broadcast %cols2 : tensor<1x64xi32, #b2> -> tensor<64x64xi32, #b2>
  %bp = tile.splat %base : !tile.ptr<f16> -> tensor<64x64x!tile.ptr<f16>, #b2>
  %p = tile.addptr %bp, %cb : tensor<64x64x!tile.ptr<f16>, #b2>, tensor<64x64xi32, #b2>
  %buf = tilegpu.local_alloc : () -> !tilegpu.memdesc<64x64xf16, #shared>
  // CHECK: tilegpu.async_copy_global_to_local %{{.*}}, %{{.*}} : tensor<64x64x!tile.ptr<f16>, #[[VEC8]]>
  tilegpu.async_copy_global_to_local %p, %buf : tensor<64x64x!tile.ptr<f16>, #b2> -> !tilegpu.memdesc<64x64xf16, #shared>
  return
}

// -----

// x / n and x % n for n a multiple of 8: aligned runs of 8 consecutive x
// stay consecutive in x % n, and x / n is constant over them. Row x / 8,
// column x % 8 of a matrix with 16-byte aligned rows: 8 halves (16 bytes)
// per access. A remainder by an n of unknown divisibility keeps nothing.

#v1k = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>

// CHECK-DAG: #[[VEC8:.*]] = #tilegpu.blocked<{sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[ONE:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-LABEL: func.func @div_rem
func.func @div_rem(%a: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %stride: i32 {tile.divisibility = 16 : i32}, %n: i32) {
  %c8 = arith.constant dense<8> : tensor<1024xi32, #v1k>
  %r = tile.make_range 0 to 1024 : tensor<1024xi32, #v1k>
  %row = arith.divsi %r, %c8 : tensor<1024xi32, #v1k>
  %col = arith.remsi %r, %c8 : tensor<1024xi32, #v1k>
  %sv = tile.splat %stride : i32 -> tensor<1024xi32, #v1k>
  %ro = arith.muli %row, %sv : tensor<1024xi32, #v1k>
  %off = arith.addi %ro, %col : tensor<1024xi32, #v1k>
  %p0 = tile.splat %a : !tile.ptr<f16> -> tensor<1024x!tile.ptr<f16>, #v1k>
  %p = tile.addptr %p0, %off : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024xi32, #v1k>
  // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[VEC8]]>
  %x = tile.load %p : tensor<1024x!tile.ptr<f16>, #v1k>
  %nv = tile.splat %n : i32 -> tensor<1024xi32, #v1k>
  %wrapped = arith.remsi %r, %nv : tensor<1024xi32, #v1k>
  %q = tile.addptr %p0, %wrapped : tensor<1024x!tile.ptr<f16>, #v1k>, tensor<1024xi32, #v1k>
  // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[ONE]]>
  %y = tile.load %q : tensor<1024x!tile.ptr<f16>, #v1k>
  return
}

// -----

// Alignment inside runs of pointers is counted in bytes: a + x (16-byte
// aligned, consecutive) advanced by (x / 4) * 64 elements is consecutive in
// runs of 4 halves that start at multiples of 8 bytes: 4 per access.

#v1 = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>

// CHECK-DAG: #[[VEC4:.*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-LABEL: func.func @pointer_runs
func.func @pointer_runs(%a: !tile.ptr<f16> {tile.divisibility = 16 : i32}) {
  %c4 = arith.constant dense<4> : tensor<1024xi32, #v1>
  %c64 = arith.constant dense<64> : tensor<1024xi32, #v1>
  %r = tile.make_range 0 to 1024 : tensor<1024xi32, #v1>
  %p0 = tile.splat %a : !tile.ptr<f16> -> tensor<1024x!tile.ptr<f16>, #v1>
  %p = tile.addptr %p0, %r : tensor<1024x!tile.ptr<f16>, #v1>, tensor<1024xi32, #v1>
  %group = arith.divsi %r, %c4 : tensor<1024xi32, #v1>
  %skip = arith.muli %group, %c64 : tensor<1024xi32, #v1>
  %q = tile.addptr %p, %skip : tensor<1024x!tile.ptr<f16>, #v1>, tensor<1024xi32, #v1>
  // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f16>, #[[VEC4]]>
  %x = tile.load %q : tensor<1024x!tile.ptr<f16>, #v1>
  return
}

// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm | FileCheck %s

#blocked = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>

// Vector add: each thread holds 4 consecutive elements; the pointers are
// 16-byte aligned and n is a multiple of 16, so one 16-byte access per
// thread, guarded by the (uniform over the 4 elements) mask.

// CHECK-LABEL: llvm.func @vadd(
// CHECK: llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, f32
// CHECK: %[[P:.*]] = llvm.extractvalue %{{.*}}[0] : !llvm.struct<(ptr<1>, ptr<1>, ptr<1>, ptr<1>)>
// CHECK: %[[M:.*]] = llvm.extractvalue %{{.*}}[0] : !llvm.struct<(i1, i1, i1, i1)>
// CHECK: %[[X:.*]] = scf.if %[[M]] -> (vector<4xf32>) {
// CHECK-NEXT: %[[V:.*]] = llvm.load %[[P]] {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
// CHECK-NEXT: scf.yield %[[V]] : vector<4xf32>
// CHECK-NEXT: } else {
// CHECK: llvm.insertelement
// CHECK: scf.yield %{{.*}} : vector<4xf32>
// CHECK: llvm.extractelement %[[X]][%{{.*}} : i32] : vector<4xf32>
// CHECK: scf.if %{{.*}} -> (vector<4xf32>) {
// CHECK: arith.addf
// CHECK: llvm.insertelement %{{.*}}[%{{.*}} : i32] : vector<4xf32>
// CHECK: scf.if %{{.*}} {
// CHECK-NEXT: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<1>
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @vadd(%x: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %y: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                  %out: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %n: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %pid = tile.program_id 0
    %c512 = arith.constant 512 : i32
    %start = arith.muli %pid, %c512 : i32
    %r = tile.make_range 0 to 512 : tensor<512xi32, #blocked>
    %s = tile.splat %start : i32 -> tensor<512xi32, #blocked>
    %offs = arith.addi %s, %r : tensor<512xi32, #blocked>
    %ns = tile.splat %n : i32 -> tensor<512xi32, #blocked>
    %mask = arith.cmpi slt, %offs, %ns : tensor<512xi32, #blocked>
    %xb = tile.splat %x : !tile.ptr<f32> -> tensor<512x!tile.ptr<f32>, #blocked>
    %xp = tile.addptr %xb, %offs : tensor<512x!tile.ptr<f32>, #blocked>, tensor<512xi32, #blocked>
    %xv = tile.load %xp, %mask : tensor<512x!tile.ptr<f32>, #blocked>
    %yb = tile.splat %y : !tile.ptr<f32> -> tensor<512x!tile.ptr<f32>, #blocked>
    %yp = tile.addptr %yb, %offs : tensor<512x!tile.ptr<f32>, #blocked>, tensor<512xi32, #blocked>
    %yv = tile.load %yp, %mask : tensor<512x!tile.ptr<f32>, #blocked>
    %sum = arith.addf %xv, %yv : tensor<512xf32, #blocked>
    %ob = tile.splat %out : !tile.ptr<f32> -> tensor<512x!tile.ptr<f32>, #blocked>
    %op = tile.addptr %ob, %offs : tensor<512x!tile.ptr<f32>, #blocked>, tensor<512xi32, #blocked>
    tile.store %op, %sum, %mask : tensor<512x!tile.ptr<f32>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

// Without alignment or with a mask that may change within 4 elements, one
// element per access; `other` fills masked-off elements.

// CHECK-LABEL: llvm.func @scalar_access(
// CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 2 : i64} : !llvm.ptr<1> -> f16
// CHECK: llvm.mlir.constant(1.500000e+00 : f16) : f16
// CHECK: %[[OTHER:.*]] = llvm.extractvalue %{{.*}}[0] : !llvm.struct<(f16, f16, f16, f16)>
// CHECK: scf.if %{{.*}} -> (f16) {
// CHECK-NEXT: llvm.load %{{.*}} {alignment = 2 : i64} : !llvm.ptr<1> -> f16
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[OTHER]] : f16
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @scalar_access(%x: !tile.ptr<f16>, %n: i32) attributes {tile.kernel} {
    %r = tile.make_range 0 to 128 : tensor<128xi32, #blocked>
    %xb = tile.splat %x : !tile.ptr<f16> -> tensor<128x!tile.ptr<f16>, #blocked>
    %xp = tile.addptr %xb, %r : tensor<128x!tile.ptr<f16>, #blocked>, tensor<128xi32, #blocked>
    %a = tile.load %xp : tensor<128x!tile.ptr<f16>, #blocked>
    %ns = tile.splat %n : i32 -> tensor<128xi32, #blocked>
    %mask = arith.cmpi slt, %r, %ns : tensor<128xi32, #blocked>
    %other = arith.constant dense<1.5> : tensor<128xf16, #blocked>
    %b = tile.load %xp, %mask, %other : tensor<128x!tile.ptr<f16>, #blocked>
    %s = arith.addf %a, %b : tensor<128xf16, #blocked>
    tile.store %xp, %s : tensor<128x!tile.ptr<f16>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [2], order = [0]}>

// 16 elements over 64 threads: lane bit 4 and warp bit 0 only repeat
// elements (free variables of the layout), so only threads with both clear
// store or add.

// CHECK-LABEL: llvm.func @duplicates(
// CHECK: llvm.getelementptr
// CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x : i32
// CHECK: %[[LANE:.*]] = llvm.and %[[TID]], %{{.*}} : i32
// CHECK: %[[WARP:.*]] = llvm.lshr %[[TID]], %{{.*}} : i32
// CHECK: %[[C16:.*]] = llvm.mlir.constant(16 : i32) : i32
// CHECK: %[[LB:.*]] = llvm.and %[[LANE]], %[[C16]] : i32
// CHECK: %[[LOWN:.*]] = llvm.icmp "eq" %[[LB]], %{{.*}} : i32
// CHECK: %[[C1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: %[[WB:.*]] = llvm.and %[[WARP]], %[[C1]] : i32
// CHECK: %[[WOWN:.*]] = llvm.icmp "eq" %[[WB]], %{{.*}} : i32
// CHECK: %[[OWN:.*]] = llvm.and %[[LOWN]], %[[WOWN]] : i1
// CHECK: scf.if %[[OWN]] {
// CHECK-NEXT: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : f32, !llvm.ptr<1>
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK-NEXT: %[[OLD:.*]] = llvm.atomicrmw fadd %{{.*}}, %{{.*}} syncscope("device") monotonic : !llvm.ptr<1>, f32
// CHECK-NEXT: scf.yield %[[OLD]] : f32
module attributes {tilegpu.num_warps = 2 : i32} {
  func.func @duplicates(%x: !tile.ptr<f32>, %y: !tile.ptr<f32>, %m: tensor<16xi1, #blocked>) {
    %r = tile.make_range 0 to 16 : tensor<16xi32, #blocked>
    %xb = tile.splat %x : !tile.ptr<f32> -> tensor<16x!tile.ptr<f32>, #blocked>
    %xp = tile.addptr %xb, %r : tensor<16x!tile.ptr<f32>, #blocked>, tensor<16xi32, #blocked>
    %one = arith.constant dense<1.0> : tensor<16xf32, #blocked>
    tile.store %xp, %one : tensor<16x!tile.ptr<f32>, #blocked>
    %yb = tile.splat %y : !tile.ptr<f32> -> tensor<16x!tile.ptr<f32>, #blocked>
    %yp = tile.addptr %yb, %r : tensor<16x!tile.ptr<f32>, #blocked>, tensor<16xi32, #blocked>
    %old = tile.atomic_rmw add, %yp, %one, %m : tensor<16x!tile.ptr<f32>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>

// Booleans are bytes in memory.

// CHECK-LABEL: llvm.func @bools(
// CHECK: %[[B:.*]] = llvm.load %{{.*}} {alignment = 1 : i64} : !llvm.ptr<1> -> i8
// CHECK: %[[Z:.*]] = llvm.mlir.constant(0 : i8) : i8
// CHECK: llvm.icmp "ne" %[[B]], %[[Z]] : i8
// CHECK: arith.xori %{{.*}}, %{{.*}} : i1
// CHECK: %[[W:.*]] = llvm.zext %{{.*}} : i1 to i8
// CHECK: llvm.store %[[W]], %{{.*}} {alignment = 1 : i64} : i8, !llvm.ptr<1>
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @bools(%p: !tile.ptr<i1>) attributes {tile.kernel} {
    %r = tile.make_range 0 to 32 : tensor<32xi32, #blocked>
    %pb = tile.splat %p : !tile.ptr<i1> -> tensor<32x!tile.ptr<i1>, #blocked>
    %pp = tile.addptr %pb, %r : tensor<32x!tile.ptr<i1>, #blocked>, tensor<32xi32, #blocked>
    %b = tile.load %pp : tensor<32x!tile.ptr<i1>, #blocked>
    %t = arith.constant dense<true> : tensor<32xi1, #blocked>
    %n = arith.xori %b, %t : tensor<32xi1, #blocked>
    tile.store %pp, %n : tensor<32x!tile.ptr<i1>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>
#rows = #tilegpu.slice<{dim = 1, parent = #blocked}>
#cols = #tilegpu.slice<{dim = 0, parent = #blocked}>

// A tile of a row-major matrix, base + r * stride + c, masked by c < n: with
// stride and n multiples of 16 each thread's 8 columns are one aligned
// 16-byte access under one mask bit; with an arbitrary n the mask may change
// inside them and each element is loaded alone.

// CHECK-LABEL: llvm.func @tile(
// CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xf16>
// CHECK-NOT: llvm.load %{{.*}} -> vector<8xf16>
// CHECK-COUNT-32: llvm.load %{{.*}} {alignment = 2 : i64} : !llvm.ptr<1> -> f16
// CHECK-NOT: llvm.load
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xf16>, !llvm.ptr<1>
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @tile(%p: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %stride: i32 {tile.divisibility = 16 : i32},
                  %n16: i32 {tile.divisibility = 16 : i32}, %n: i32) attributes {tile.kernel} {
    %r = tile.make_range 0 to 16 : tensor<16xi32, #rows>
    %c = tile.make_range 0 to 64 : tensor<64xi32, #cols>
    %r2 = tile.expand_dims %r {axis = 1 : i32} : tensor<16xi32, #rows> -> tensor<16x1xi32, #blocked>
    %s = tile.splat %stride : i32 -> tensor<16x1xi32, #blocked>
    %rs = arith.muli %r2, %s : tensor<16x1xi32, #blocked>
    %rb = tile.broadcast %rs : tensor<16x1xi32, #blocked> -> tensor<16x64xi32, #blocked>
    %c2 = tile.expand_dims %c {axis = 0 : i32} : tensor<64xi32, #cols> -> tensor<1x64xi32, #blocked>
    %cb = tile.broadcast %c2 : tensor<1x64xi32, #blocked> -> tensor<16x64xi32, #blocked>
    %off = arith.addi %rb, %cb : tensor<16x64xi32, #blocked>
    %pb = tile.splat %p : !tile.ptr<f16> -> tensor<16x64x!tile.ptr<f16>, #blocked>
    %pp = tile.addptr %pb, %off : tensor<16x64x!tile.ptr<f16>, #blocked>, tensor<16x64xi32, #blocked>
    %n16b = tile.splat %n16 : i32 -> tensor<16x64xi32, #blocked>
    %m16 = arith.cmpi slt, %cb, %n16b : tensor<16x64xi32, #blocked>
    %a = tile.load %pp, %m16 : tensor<16x64x!tile.ptr<f16>, #blocked>
    %nb = tile.splat %n : i32 -> tensor<16x64xi32, #blocked>
    %m = arith.cmpi slt, %cb, %nb : tensor<16x64xi32, #blocked>
    %b = tile.load %pp, %m : tensor<16x64x!tile.ptr<f16>, #blocked>
    %sum = arith.addf %a, %b : tensor<16x64xf16, #blocked>
    tile.store %pp, %sum : tensor<16x64x!tile.ptr<f16>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 0]}>
#transposed = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 1], order = [0, 1]}>
#rows = #tilegpu.slice<{dim = 1, parent = #blocked}>
#cols = #tilegpu.slice<{dim = 0, parent = #blocked}>

// The transpose of the pointers and mask of a row-major tile (a K^T
// operand, as the pipeliner's copies read it): consecutive along dimension
// 0, where the layout gives each thread runs of 8 registers, so 16-byte
// accesses under one mask bit.

// CHECK-LABEL: llvm.func @transposed(
// CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xf16>
// CHECK-NOT: llvm.load
// CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xf16>, !llvm.ptr<1>
// CHECK-NOT: llvm.store
module attributes {tilegpu.num_warps = 1 : i32} {
  func.func @transposed(%p: !tile.ptr<f16> {tile.divisibility = 16 : i32}, %stride: i32 {tile.divisibility = 16 : i32},
                        %n16: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0 to 16 : tensor<16xi32, #rows>
    %c = tile.make_range 0 to 64 : tensor<64xi32, #cols>
    %r2 = tile.expand_dims %r {axis = 1 : i32} : tensor<16xi32, #rows> -> tensor<16x1xi32, #blocked>
    %s = tile.splat %stride : i32 -> tensor<16x1xi32, #blocked>
    %rs = arith.muli %r2, %s : tensor<16x1xi32, #blocked>
    %rb = tile.broadcast %rs : tensor<16x1xi32, #blocked> -> tensor<16x64xi32, #blocked>
    %c2 = tile.expand_dims %c {axis = 0 : i32} : tensor<64xi32, #cols> -> tensor<1x64xi32, #blocked>
    %cb = tile.broadcast %c2 : tensor<1x64xi32, #blocked> -> tensor<16x64xi32, #blocked>
    %off = arith.addi %rb, %cb : tensor<16x64xi32, #blocked>
    %pb = tile.splat %p : !tile.ptr<f16> -> tensor<16x64x!tile.ptr<f16>, #blocked>
    %pp = tile.addptr %pb, %off : tensor<16x64x!tile.ptr<f16>, #blocked>, tensor<16x64xi32, #blocked>
    %n16b = tile.splat %n16 : i32 -> tensor<16x64xi32, #blocked>
    %m16 = arith.cmpi slt, %cb, %n16b : tensor<16x64xi32, #blocked>
    %pt = tile.trans %pp {order = array<i32: 1, 0>} : tensor<16x64x!tile.ptr<f16>, #blocked> -> tensor<64x16x!tile.ptr<f16>, #transposed>
    %mt = tile.trans %m16 {order = array<i32: 1, 0>} : tensor<16x64xi1, #blocked> -> tensor<64x16xi1, #transposed>
    %x = tile.load %pt, %mt : tensor<64x16x!tile.ptr<f16>, #transposed>
    tile.store %pt, %x, %mt : tensor<64x16x!tile.ptr<f16>, #transposed>
    return
  }
}

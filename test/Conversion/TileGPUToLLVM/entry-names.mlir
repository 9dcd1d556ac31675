// Kernel names become PTX symbols: names the NVPTX back end cannot print
// (it would abort) or that alias the lowering's own symbols are errors.
// RUN: flash-opt %s --split-input-file --convert-tilegpu-to-llvm --verify-diagnostics

// expected-error @below {{kernel name 'ядро' is not a PTX identifier}}
func.func @"ядро"() {
  return
}

// -----

// expected-error @below {{kernel name '1st' is not a PTX identifier}}
func.func @"1st"() {
  return
}

// -----

// expected-error @below {{kernel name 'global_smem' is reserved for the NVIDIA back end's own symbols}}
func.func @global_smem() {
  return
}

// -----

// expected-error @below {{kernel name '__nvvm_reflect' is reserved}}
func.func @__nvvm_reflect() {
  return
}

// -----

// A name with '$' and digits is fine.
func.func @kernel$2_ok() {
  return
}

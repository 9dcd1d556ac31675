# -*- Python -*-
# lit configuration for FlashTile's compiler tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "FLASHTILE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.flashtile_obj_root, "test")
# Python files under test/python are pytest suites, run by pytest, not lit.
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "python", "fuzz-corpus"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%kernels", os.path.join(config.flashtile_src_root, "kernels")))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.flashtile_tools_dir, config.llvm_tools_dir]
tools = [
    "FileCheck",
    "not",
    "count",
    "split-file",
    "flash-opt",
    "flash-layout",
    ToolSubst("flash-translate", unresolved="ignore"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# ptxas (CUDA) checks the PTX the NVIDIA backend emits: tests that need it
# say `REQUIRES: ptxas` and call %ptxas.
import shutil
ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

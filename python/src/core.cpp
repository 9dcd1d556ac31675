// flashtile._core: the pybind11 binding of FlashTile's C++ API.
//
// It includes only flashtile/API/API.h and pybind11, so it builds in seconds
// anywhere libFlashTile.so exists, with CMake (python/CMakeLists.txt) or by
// hand:
//
//   g++ -O2 -shared -fPIC -std=c++17 $(python3 -m pybind11 --includes)
//     -Iinclude python/src/core.cpp -Lbuild/lib -lFlashTile
//     -Wl,-rpath,$PWD/build/lib
//     -o python/flashtile/_core$(python3-config --extension-suffix)
//
// (one command line).
//
// Errors: api::Error from compile/load/kernel_params becomes
// flashtile.errors.CompilationError, from a run or a CUDA launch
// flashtile.errors.ExecutionError, with the message intact. The GIL is
// released while C++ compiles, runs or launches.
//
// launch_cuda is the hot path of every GPU launch from Python: it converts
// the argument list with the CPython API directly (ints: addresses and
// integers; floats) and calls Kernel::launchCuda.

#include "flashtile/API/API.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
namespace api = flashtile::api;

namespace {

// The Python exception classes (defined in flashtile/errors.py). Leaked on
// purpose: they live as long as the interpreter.
PyObject *compilationError = nullptr;
PyObject *executionError = nullptr;

[[noreturn]] void raise(PyObject *type, const char *message) {
  PyErr_SetString(type, message);
  throw py::error_already_set();
}

api::Constexpr toConstexpr(py::handle value, const std::string &name) {
  if (value.is_none())
    return std::monostate{};
  if (py::isinstance<py::bool_>(value))
    return value.cast<bool>();
  if (py::isinstance<py::int_>(value))
    return value.cast<int64_t>();
  if (py::isinstance<py::float_>(value))
    return value.cast<double>();
  if (py::isinstance<py::str>(value))
    return value.cast<std::string>();
  throw py::type_error("constexpr '" + name +
                       "' must be None, bool, int, float or str, got " +
                       std::string(py::str(py::type::of(value))));
}

py::object fromConstexpr(const api::Constexpr &value) {
  return std::visit(
      [](const auto &v) -> py::object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return py::none();
        else
          return py::cast(v);
      },
      value);
}

/// (address, nbytes) -> buffer, int -> Int, float -> Float.
std::vector<api::CpuArg> toCpuArgs(const py::sequence &args,
                                   const std::vector<std::string> &names) {
  std::vector<api::CpuArg> result;
  result.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    py::handle arg = args[i];
    std::string name = i < names.size() ? names[i] : std::to_string(i);
    api::CpuArg cpuArg;
    if (py::isinstance<py::tuple>(arg) && py::len(arg) == 2) {
      cpuArg.kind = api::CpuArg::Kind::Buffer;
      auto address = arg[py::int_(0)].cast<uintptr_t>();
      cpuArg.data = reinterpret_cast<void *>(address);
      cpuArg.sizeBytes = arg[py::int_(1)].cast<int64_t>();
    } else if (py::isinstance<py::bool_>(arg)) {
      throw py::type_error("argument '" + name +
                           "': pass bools as ints to the executor");
    } else if (py::isinstance<py::int_>(arg)) {
      cpuArg.kind = api::CpuArg::Kind::Int;
      cpuArg.intValue = arg.cast<int64_t>();
    } else if (py::isinstance<py::float_>(arg)) {
      cpuArg.kind = api::CpuArg::Kind::Float;
      cpuArg.floatValue = arg.cast<double>();
    } else {
      throw py::type_error("argument '" + name +
                           "': expected (address, nbytes), int or float");
    }
    result.push_back(cpuArg);
  }
  return result;
}

/// int -> Int (device addresses too), float -> Float, for launch_cuda.
std::vector<api::CudaArg> toCudaArgs(py::handle args) {
  PyObject *seq = PySequence_Fast(args.ptr(), "launch_cuda: args must be a sequence");
  if (!seq)
    throw py::error_already_set();
  py::object owner = py::reinterpret_steal<py::object>(seq);
  Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
  PyObject **items = PySequence_Fast_ITEMS(seq);
  std::vector<api::CudaArg> result(static_cast<size_t>(count));
  for (Py_ssize_t i = 0; i < count; ++i) {
    PyObject *item = items[i];
    api::CudaArg &arg = result[static_cast<size_t>(i)];
    if (PyLong_Check(item)) {
      int overflow = 0;
      long long value = PyLong_AsLongLongAndOverflow(item, &overflow);
      if (overflow > 0) { // an address or value in [2^63, 2^64)
        unsigned long long bits = PyLong_AsUnsignedLongLong(item);
        if (PyErr_Occurred())
          throw py::error_already_set();
        value = static_cast<long long>(bits);
      } else if (overflow < 0 || (value == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        throw py::value_error("launch_cuda: argument #" + std::to_string(i) +
                              " does not fit in 64 bits");
      }
      arg.intValue = value;
    } else if (PyFloat_Check(item)) {
      arg.kind = api::CudaArg::Kind::Float;
      arg.floatValue = PyFloat_AS_DOUBLE(item);
    } else {
      throw py::type_error("launch_cuda: argument #" + std::to_string(i) +
                           " must be an int (integer or device address) or a "
                           "float, got " +
                           std::string(py::str(py::type::of(item))));
    }
  }
  return result;
}

} // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "FlashTile's C++ API (compile DSL kernels, run them on the CPU)";

  py::module_ errors = py::module_::import("flashtile.errors");
  compilationError = py::object(errors.attr("CompilationError")).release().ptr();
  executionError = py::object(errors.attr("ExecutionError")).release().ptr();

  py::class_<api::Param>(m, "Param")
      .def_readonly("name", &api::Param::name)
      .def_readonly("kind", &api::Param::kind, "pointer, int, float, constexpr or untyped")
      .def_readonly("type", &api::Param::type, "declared type (\"*f16\", \"*\", \"i32\", ...) or \"\"")
      .def_property_readonly("has_default",
                             [](const api::Param &p) { return p.defaultValue.has_value(); })
      .def_property_readonly("default", [](const api::Param &p) -> py::object {
        return p.defaultValue ? fromConstexpr(*p.defaultValue) : py::none();
      })
      .def("__repr__", [](const api::Param &p) {
        return "Param(" + p.name + ", " + p.kind +
               (p.type.empty() ? "" : ", " + p.type) + ")";
      });

  py::class_<api::Kernel>(m, "Kernel")
      .def_property_readonly("name", &api::Kernel::name)
      .def("tile_ir", &api::Kernel::tileIR,
           "The optimized tile IR (with source locations), as text")
      .def(
          "run_on_cpu",
          [](const api::Kernel &kernel, std::array<int64_t, 3> grid,
             const py::sequence &args, const std::vector<std::string> &names) {
            std::vector<api::CpuArg> cpuArgs = toCpuArgs(args, names);
            try {
              py::gil_scoped_release release;
              kernel.runOnCpu(grid, cpuArgs, names);
            } catch (const api::Error &e) {
              raise(executionError, e.what());
            }
          },
          py::arg("grid"), py::arg("args"), py::arg("arg_names"),
          "Runs the kernel on the CPU executor over host buffers "
          "(address, nbytes), ints and floats")
      .def_property_readonly("target", &api::Kernel::target, "\"cpu\" or \"cuda\"")
      // The CUDA accessors raise CompilationError on a CPU kernel.
      .def_property_readonly("ptx", [](const api::Kernel &k) {
        try {
          return k.ptx();
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      }, "The PTX text (CUDA kernels)")
      .def_property_readonly("arch", [](const api::Kernel &k) {
        try {
          return k.arch();
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      }, "The compute capability the PTX targets, e.g. 80")
      .def_property_readonly("shared_memory_bytes", [](const api::Kernel &k) {
        try {
          return k.sharedMemoryBytes();
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      }, "Dynamic shared memory per launch, in bytes")
      .def_property_readonly("num_warps", [](const api::Kernel &k) {
        try {
          return k.numWarps();
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      })
      .def_property_readonly("num_stages", [](const api::Kernel &k) {
        try {
          return k.numStages();
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      })
      .def_property_readonly("cuda_param_types", [](const api::Kernel &k) {
        try {
          return k.cudaParamTypes();
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      }, "Types of the PTX entry's parameters (\"ptr\", \"i32\", \"f32\", ...)")
      .def("serialize", &api::Kernel::serialize,
           "Text that load_kernel() turns back into this kernel (the disk cache)")
      .def(
          "launch_cuda",
          [](const api::Kernel &kernel, std::array<int64_t, 3> grid,
             py::handle args, uintptr_t stream) {
            std::vector<api::CudaArg> cudaArgs = toCudaArgs(args);
            try {
              py::gil_scoped_release release;
              kernel.launchCuda(grid, cudaArgs, stream);
            } catch (const api::Error &e) {
              raise(executionError, e.what());
            }
          },
          py::arg("grid"), py::arg("args"), py::arg("stream") = 0,
          "Launches on a CUDA stream (an int CUstream, 0 = default stream) "
          "of the current context; args: one int (device address or "
          "integer) or float per non-constexpr parameter");

  m.def(
      "kernel_params",
      [](const std::string &source, const std::string &filename,
         const std::string &kernel) {
        try {
          py::gil_scoped_release release;
          return api::kernelParams(source, filename, kernel);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("source"), py::arg("filename"), py::arg("kernel"));

  m.def(
      "compile",
      [](const std::string &source, const std::string &filename,
         const std::string &kernel, const py::dict &constexprs,
         const std::map<std::string, std::string> &argTypes,
         const std::set<std::string> &divisibleBy16, bool dumpIR,
         const std::string &target, int arch, int numWarps, int numStages,
         const std::set<std::string> &equalTo1) {
        api::Specialization spec;
        for (auto [key, value] : constexprs) {
          std::string name = key.cast<std::string>();
          spec.constexprs[name] = toConstexpr(value, name);
        }
        spec.argTypes = argTypes;
        spec.divisibleBy16 = divisibleBy16;
        spec.equalTo1 = equalTo1;
        api::CompileOptions options;
        options.dumpIR = dumpIR;
        options.target = target;
        options.arch = arch;
        options.numWarps = numWarps;
        options.numStages = numStages;
        try {
          py::gil_scoped_release release;
          return api::compile(source, filename, kernel, spec, options);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("source"), py::arg("filename"), py::arg("kernel"),
      py::arg("constexprs"), py::arg("arg_types"), py::arg("divisible_by_16"),
      py::arg("dump_ir") = false, py::arg("target") = "cpu", py::arg("arch") = 0,
      py::arg("num_warps") = 4, py::arg("num_stages") = 2,
      py::arg("equal_to_1") = std::set<std::string>{},
      "Compiles for target \"cpu\" (tile IR) or \"cuda\" (PTX for sm_<arch>; "
      "arch 0: the current device's, or 80 without a GPU)");

  m.def(
      "load_tile_ir",
      [](const std::string &ir, const std::string &kernel) {
        try {
          py::gil_scoped_release release;
          return api::loadTileIR(ir, kernel);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("ir"), py::arg("kernel"));

  m.def(
      "load_kernel",
      [](const std::string &text, const std::string &kernel) {
        try {
          py::gil_scoped_release release;
          return api::loadKernel(text, kernel);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("text"), py::arg("kernel"),
      "Rebuilds a kernel from Kernel.serialize() text");

  m.def("supported_cuda_archs", &api::supportedCudaArchs);
  m.def(
      "cuda_arch_for",
      [](int major, int minor) {
        try {
          return api::cudaArchFor(major, minor);
        } catch (const api::Error &e) {
          raise(compilationError, e.what());
        }
      },
      py::arg("major"), py::arg("minor"),
      "The arch FlashTile compiles for on a device of compute capability "
      "major.minor");
  m.def(
      "cuda_device_arch",
      []() {
        std::string why;
        int arch;
        {
          py::gil_scoped_release release;
          arch = api::cudaDeviceArch(&why);
        }
        return py::make_tuple(arch, why);
      },
      "(arch, \"\") for the current CUDA device, or (0, why) without one");

  m.def("compiler_version", &api::compilerVersion);
}

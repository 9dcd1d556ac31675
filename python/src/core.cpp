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
// integers; floats) and calls Kernel::launchCuda. LaunchSignature and
// tensor_layout_key gather what a cached launch is looked up by (the @jit
// launcher's and flash_attn_func's fast paths).

#include "flashtile/API/API.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>

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
    if (py::isinstance<py::tuple>(arg) && (py::len(arg) == 2 || py::len(arg) == 3)) {
      cpuArg.kind = api::CpuArg::Kind::Buffer;
      auto address = arg[py::int_(0)].cast<uintptr_t>();
      cpuArg.data = reinterpret_cast<void *>(address);
      cpuArg.sizeBytes = arg[py::int_(1)].cast<int64_t>();
      if (py::len(arg) == 3)
        cpuArg.writable = arg[py::int_(2)].cast<bool>();
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
                           "': expected (address, nbytes[, writable]), int or float");
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

// -- The fast paths of cached GPU launches --------------------------------
//
// A cached launch is decided from a few facts per argument (its type, a
// tensor's dtype, device and 16-byte alignment, an integer's value class);
// gathering them with the CPython API here instead of Python bytecode is
// most of what a cached launch costs on the host. Both functions return
// None where a value is not of the kinds they know; the Python caller then
// takes its slow path, which checks and reports.

/// Interned attribute names, created once.
struct Names {
  PyObject *isCuda = PyUnicode_InternFromString("is_cuda");
  PyObject *dataPtr = PyUnicode_InternFromString("data_ptr");
  PyObject *dtype = PyUnicode_InternFromString("dtype");
  PyObject *getDevice = PyUnicode_InternFromString("get_device");
  PyObject *shape = PyUnicode_InternFromString("shape");
  PyObject *stride = PyUnicode_InternFromString("stride");
};

const Names &names() {
  static const Names *instance = new Names(); // leaked: lives as the interpreter
  return *instance;
}

/// A new reference to `value` as a Python int (small, cached by CPython).
py::object pyInt(long long value) { return py::reinterpret_steal<py::object>(PyLong_FromLongLong(value)); }

/// The facts about a CUDA tensor a launch depends on: (dtype, 16-byte
/// aligned, device index) and its address, or false where `value` is not a
/// CUDA tensor.
bool cudaTensorFacts(PyObject *value, py::object &facts, py::object &address) {
  const Names &n = names();
  py::object isCuda = py::reinterpret_steal<py::object>(PyObject_GetAttr(value, n.isCuda));
  if (!isCuda) {
    PyErr_Clear();
    return false;
  }
  if (isCuda.ptr() != Py_True)
    return false;
  address = py::reinterpret_steal<py::object>(PyObject_CallMethodNoArgs(value, n.dataPtr));
  py::object dtype = py::reinterpret_steal<py::object>(PyObject_GetAttr(value, n.dtype));
  py::object device = py::reinterpret_steal<py::object>(PyObject_CallMethodNoArgs(value, n.getDevice));
  if (!address || !dtype || !device)
    throw py::error_already_set();
  unsigned long long bits = PyLong_AsUnsignedLongLong(address.ptr());
  if (PyErr_Occurred())
    throw py::error_already_set();
  facts = py::make_tuple(dtype, py::bool_(bits % 16 == 0), device);
  return true;
}

/// jit.py's launch signature, for one way of passing the arguments: per
/// parameter, the position of its value in the values tuple and whether it
/// is a constexpr. Called with the values, it returns (specialisation,
/// native launch arguments) or None:
///   constexpr -> type(v), v;  int -> 1 (== 1), 16 / 32 (i32, divisible by
///   16 or not), 65 / 64 (i64), native v;  float -> 0, native v;
///   CUDA tensor -> (dtype, aligned, device), native its address.
class LaunchSignature {
public:
  LaunchSignature(std::vector<int> order, std::vector<bool> isConstexpr, py::object tensorType)
      : order_(std::move(order)), isConstexpr_(std::move(isConstexpr)),
        tensorType_(std::move(tensorType)) {
    if (order_.size() != isConstexpr_.size())
      throw py::value_error("LaunchSignature: order and is_constexpr differ in length");
    for (bool c : isConstexpr_)
      specSize_ += c ? 2 : 1;
  }

  py::object operator()(py::handle values) const {
    if (!PyTuple_Check(values.ptr()))
      return py::none();
    Py_ssize_t count = PyTuple_GET_SIZE(values.ptr());
    py::tuple spec(specSize_);
    py::list native(0);
    size_t s = 0;
    for (size_t i = 0; i < order_.size(); ++i) {
      if (order_[i] < 0 || order_[i] >= count)
        return py::none();
      PyObject *v = PyTuple_GET_ITEM(values.ptr(), order_[i]);
      if (isConstexpr_[i]) {
        spec[s++] = py::handle(reinterpret_cast<PyObject *>(Py_TYPE(v)));
        spec[s++] = py::handle(v);
        continue;
      }
      if (PyLong_CheckExact(v)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow || (x == -1 && PyErr_Occurred())) {
          PyErr_Clear();
          return py::none();
        }
        bool i32 = x >= INT32_MIN && x <= INT32_MAX;
        spec[s++] = pyInt(x == 1 ? 1 : i32 ? (x % 16 == 0 ? 16 : 32) : (x % 16 == 0 ? 65 : 64));
        native.append(py::handle(v));
      } else if (PyFloat_CheckExact(v)) {
        spec[s++] = pyInt(0);
        native.append(py::handle(v));
      } else {
        int isTensor = PyObject_IsInstance(v, tensorType_.ptr());
        if (isTensor < 0)
          throw py::error_already_set();
        py::object facts, address;
        if (!isTensor || !cudaTensorFacts(v, facts, address))
          return py::none();
        spec[s++] = facts;
        native.append(address);
      }
    }
    return py::make_tuple(spec, native);
  }

private:
  std::vector<int> order_;
  std::vector<bool> isConstexpr_;
  py::object tensorType_;
  size_t specSize_ = 0;
};

/// flash_attn_func's layout key of `tensors` (CUDA tensors): (bytes of
/// every shape, stride and device index and whether all addresses are
/// 16-byte aligned, then each tensor's type and dtype, then `extras`), and
/// their addresses; None where one is not a CUDA tensor of tensor_type.
py::object tensorLayoutKey(py::handle tensorType, py::tuple tensors, py::tuple extras) {
  const Names &n = names();
  size_t count = tensors.size();
  std::vector<int64_t> words;
  words.reserve(count * 10 + 1);
  py::tuple key(1 + 2 * count + extras.size());
  py::list addresses(0);
  unsigned long long anyBits = 0;
  for (size_t i = 0; i < count; ++i) {
    PyObject *t = tensors[i].ptr();
    int isTensor = PyObject_IsInstance(t, tensorType.ptr());
    if (isTensor < 0)
      throw py::error_already_set();
    py::object facts, address;
    if (!isTensor || !cudaTensorFacts(t, facts, address))
      return py::none();
    anyBits |= PyLong_AsUnsignedLongLong(address.ptr());
    py::object shape = py::reinterpret_steal<py::object>(PyObject_GetAttr(t, n.shape));
    py::object stride = py::reinterpret_steal<py::object>(PyObject_CallMethodNoArgs(t, n.stride));
    if (!shape || !stride)
      throw py::error_already_set();
    if (!PyTuple_Check(shape.ptr()) || !PyTuple_Check(stride.ptr()))
      return py::none();
    Py_ssize_t rank = PyTuple_GET_SIZE(shape.ptr());
    words.push_back(rank);
    for (PyObject *dims : {shape.ptr(), stride.ptr()})
      for (Py_ssize_t d = 0; d < PyTuple_GET_SIZE(dims) && d < rank; ++d) {
        long long x = PyLong_AsLongLong(PyTuple_GET_ITEM(dims, d));
        if (x == -1 && PyErr_Occurred())
          throw py::error_already_set();
        words.push_back(x);
      }
    py::tuple f = py::reinterpret_borrow<py::tuple>(facts);
    words.push_back(f[2].cast<int64_t>());
    key[1 + i] = py::handle(reinterpret_cast<PyObject *>(Py_TYPE(t)));
    key[1 + count + i] = f[0];
    addresses.append(address);
  }
  words.push_back(anyBits % 16 == 0);
  key[0] = py::bytes(reinterpret_cast<const char *>(words.data()), words.size() * sizeof(int64_t));
  for (size_t i = 0; i < extras.size(); ++i)
    key[1 + 2 * count + i] = extras[i];
  return py::make_tuple(key, addresses);
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
             const py::sequence &args, const std::vector<std::string> &names,
             uint64_t stepLimit) {
            std::vector<api::CpuArg> cpuArgs = toCpuArgs(args, names);
            // Ctrl-C: the run polls Python's signal handlers now and then
            // (with the GIL) and stops with the KeyboardInterrupt they raise.
            bool signalled = false;
            auto interrupted = [&signalled] {
              py::gil_scoped_acquire gil;
              signalled = PyErr_CheckSignals() != 0;
              return signalled;
            };
            try {
              py::gil_scoped_release release;
              kernel.runOnCpu(grid, cpuArgs, names, interrupted, stepLimit);
            } catch (const api::Error &e) {
              if (signalled)
                throw py::error_already_set();
              raise(executionError, e.what());
            }
          },
          py::arg("grid"), py::arg("args"), py::arg("arg_names"),
          py::arg("step_limit") = 0,
          "Runs the kernel on the CPU executor over host buffers "
          "(address, nbytes[, writable]), ints and floats; step_limit (0: "
          "none) bounds the operations executed; Ctrl-C interrupts it")
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

  py::class_<LaunchSignature>(m, "LaunchSignature")
      .def(py::init<std::vector<int>, std::vector<bool>, py::object>(), py::arg("order"),
           py::arg("is_constexpr"), py::arg("tensor_type"))
      .def("__call__", &LaunchSignature::operator(), py::arg("values"),
           "(specialisation, native launch arguments) of a launch's values, or None");
  m.def("tensor_layout_key", &tensorLayoutKey, py::arg("tensor_type"), py::arg("tensors"),
        py::arg("extras"),
        "(key, addresses) of CUDA tensors' layouts (shapes, strides, dtypes, "
        "devices, alignment) and extras, or None where one is not a CUDA tensor");
}

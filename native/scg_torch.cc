// N-API addon: libtorch tensors held for scg's tfjs `torch` backend, and the ATen calls its kernels make.
//
// Every tensor crosses into JS as an External wrapping a Holder; JS frees it explicitly (disposeData), and a
// finalizer frees what JS forgot. Tensors keep tfjs' logical shapes (NHWC images); convolutions view them as
// NCHW with channels-last strides, so no layout copy is made. Errors from libtorch become JS exceptions.
#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/api/include/torch/version.h>

#include <dlfcn.h>
#include <malloc.h>
#include <sys/mman.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <string>
#include <tuple>
#include <vector>

namespace {

struct Holder {
  at::Tensor t;
};

// Bytes libtorch's CPU memory holds from the OS (live tensors and the allocator's cache), kept by the allocator below,
// and the part of it reported to V8 as external memory. Reporting every tensor's bytes as it comes and goes made V8
// run a full mark-compact every few milliseconds (64 in 7 reference steps, half the step time on 2 threads); the
// footprint moves only when the allocator asks the OS for memory or returns it, so V8 hears of real growth only.
std::atomic<int64_t> g_footprint{0};
int64_t g_reported = 0;

void reportFootprint(Napi::Env env) {
  int64_t now = g_footprint.load(std::memory_order_relaxed);
  if (std::llabs(now - g_reported) < 16 * 1024 * 1024) return;
  Napi::MemoryManagement::AdjustExternalMemory(env, now - g_reported);
  g_reported = now;
}

c10::Device g_device = c10::Device(c10::kCPU);
// Off unless SCG_TORCH_AUTOTUNE=1: the choice below is made by timing, so two processes could choose differently
// under load and a seeded run would not repeat bit for bit (measured: a 30+30-step quickstart differed between
// two runs by 1% in its GAN losses with it on, and not at all with it off).
bool g_autotune = [] {
  const char* v = std::getenv("SCG_TORCH_AUTOTUNE");
  return v && std::string(v) == "1";
}();

int64_t nbytes(const at::Tensor& t) { return static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size()); }

void finalize(Napi::Env, Holder* h) { delete h; }

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  auto* h = new Holder{std::move(t)};
  reportFootprint(env);
  return Napi::External<Holder>::New(env, h, finalize);
}

const at::Tensor& T(const Napi::Value& v) {
  auto* h = v.As<Napi::External<Holder>>().Data();
  if (!h->t.defined()) throw std::runtime_error("scg torch: tensor used after it was freed");
  return h->t;
}

at::ScalarType scalarType(int code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kInt;
    case 2: return at::kBool;
  }
  throw std::runtime_error("scg torch: unknown dtype code " + std::to_string(code));
}

std::vector<int64_t> ints(const Napi::Value& v) {
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

std::vector<at::Tensor> tensors(const Napi::Value& v) {
  auto a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(T(a.Get(i)));
  return out;
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto a = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) a.Set(static_cast<uint32_t>(i), wrap(env, ts[i].contiguous()));
  return a;
}

int64_t i64(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double f64(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
bool flag(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);

// Runs a binding with libtorch's errors turned into JS errors (an uncaught C++ exception would abort Node).
template <Fn F>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    c10::InferenceMode guard;
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

// ---- data in and out -------------------------------------------------------------------------------------------

Napi::Value FromArray(const Napi::CallbackInfo& info) {
  auto arr = info[0].As<Napi::TypedArray>();
  auto shape = ints(info[1]);
  auto st = scalarType(static_cast<int>(i64(info, 2)));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
  size_t bytes = static_cast<size_t>(nbytes(t));
  if (arr.ByteLength() != bytes) {
    throw std::runtime_error("scg torch: " + std::to_string(arr.ByteLength()) + " bytes given for a tensor of " +
                             std::to_string(bytes));
  }
  if (bytes) std::memcpy(t.data_ptr(), static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset(), bytes);
  if (g_device.type() != c10::kCPU) t = t.to(g_device);
  return wrap(info.Env(), t);
}

Napi::Value ToArray(const Napi::CallbackInfo& info) {
  at::Tensor t = T(info[0]);
  if (t.device().type() != c10::kCPU) t = t.to(c10::kCPU);
  t = t.contiguous();
  auto env = info.Env();
  size_t n = static_cast<size_t>(t.numel());
  switch (t.scalar_type()) {
    case at::kFloat: {
      auto out = Napi::Float32Array::New(env, n);
      if (n) std::memcpy(out.Data(), t.data_ptr(), n * 4);
      return out;
    }
    case at::kInt: {
      auto out = Napi::Int32Array::New(env, n);
      if (n) std::memcpy(out.Data(), t.data_ptr(), n * 4);
      return out;
    }
    case at::kBool: {
      auto out = Napi::Uint8Array::New(env, n);
      if (n) std::memcpy(out.Data(), t.data_ptr(), n);
      return out;
    }
    default:
      throw std::runtime_error(std::string("scg torch: cannot read a tensor of type ") + c10::toString(t.scalar_type()));
  }
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  auto* h = info[0].As<Napi::External<Holder>>().Data();
  h->t = at::Tensor();
  reportFootprint(info.Env());
  return info.Env().Undefined();
}

Napi::Value Shape(const Napi::CallbackInfo& info) {
  const at::Tensor& t = T(info[0]);
  auto a = Napi::Array::New(info.Env(), t.dim());
  for (int64_t i = 0; i < t.dim(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(t.size(i))));
  return a;
}

// ---- elementwise -----------------------------------------------------------------------------------------------

// The op tables: JS reads these names (`unaryOps`, `binaryOps`, `reduceOps`) and passes the index.
const char* kUnary[] = {"Abs",  "Acos",  "Asin",      "Atan",       "Ceil",  "Cos",      "Cosh",    "Elu",
                        "Erf",  "Exp",   "Expm1",     "Floor",      "IsNan", "IsInf",    "IsFinite", "Log",
                        "Log1p", "LogicalNot", "Neg", "Reciprocal", "Relu",  "Relu6",    "Round",   "Rsqrt",
                        "Selu", "Sigmoid", "Sign",    "Sin",        "Sinh",  "Softplus", "Sqrt",    "Square",
                        "Tan",  "Tanh"};

at::Tensor unary(int op, const at::Tensor& x) {
  switch (op) {
    case 0: return at::abs(x);
    case 1: return at::acos(x);
    case 2: return at::asin(x);
    case 3: return at::atan(x);
    case 4: return at::ceil(x);
    case 5: return at::cos(x);
    case 6: return at::cosh(x);
    case 7: return at::elu(x);
    case 8: return at::erf(x);
    case 9: return at::exp(x);
    case 10: return at::expm1(x);
    case 11: return at::floor(x);
    case 12: return at::isnan(x);
    case 13: return at::isinf(x);
    case 14: return at::isfinite(x);
    case 15: return at::log(x);
    case 16: return at::log1p(x);
    case 17: return at::logical_not(x);
    case 18: return at::neg(x);
    case 19: return at::reciprocal(x);
    case 20: return at::relu(x);
    case 21: return at::clamp(x, 0, 6);
    case 22: return at::round(x);  // half to even, as TF
    case 23: return at::rsqrt(x);
    case 24: return at::selu(x);
    case 25: return at::sigmoid(x);
    case 26: return at::sign(x);
    case 27: return at::sin(x);
    case 28: return at::sinh(x);
    case 29: return at::softplus(x);
    case 30: return at::sqrt(x);
    case 31: return at::square(x);
    case 32: return at::tan(x);
    case 33: return at::tanh(x);
  }
  throw std::runtime_error("scg torch: unknown unary op " + std::to_string(op));
}

const char* kBinary[] = {"Add",        "Sub",          "Multiply", "RealDiv", "FloorDiv", "Maximum", "Minimum",
                         "Pow",        "SquaredDifference", "Equal", "NotEqual", "Less",   "LessEqual", "Greater",
                         "GreaterEqual", "LogicalAnd", "LogicalOr", "Mod",    "Atan2",    "Prelu"};

at::Tensor binary(int op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
    case 0: return at::add(a, b);
    case 1: return at::sub(a, b);
    case 2: return at::mul(a, b);
    case 3: return at::div(a, b);
    case 4: return at::div(a, b, "floor").to(at::kInt);  // tfjs' FloorDiv is int32 whatever its inputs
    case 5: return at::maximum(a, b);
    case 6: return at::minimum(a, b);
    case 7: return at::pow(a, b);
    case 8: { auto d = at::sub(a, b); return d * d; }
    case 9: return at::eq(a, b);
    case 10: return at::ne(a, b);
    case 11: return at::lt(a, b);
    case 12: return at::le(a, b);
    case 13: return at::gt(a, b);
    case 14: return at::ge(a, b);
    case 15: return at::logical_and(a, b);
    case 16: return at::logical_or(a, b);
    case 17: return at::remainder(a, b);  // floor mod, as TF's Mod on floats and ints
    case 18: return at::atan2(a, b);
    case 19: return at::where(at::lt(a, 0), a * b, a);
  }
  throw std::runtime_error("scg torch: unknown binary op " + std::to_string(op));
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), unary(static_cast<int>(i64(info, 0)), T(info[1])));
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), binary(static_cast<int>(i64(info, 0)), T(info[1]), T(info[2])));
}

Napi::Value LeakyRelu(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  if (x.scalar_type() == at::kFloat) return wrap(info.Env(), at::leaky_relu(x, f64(info, 1)));  // vectorised
  return wrap(info.Env(), at::where(at::lt(x, 0), x * f64(info, 1), x));
}

Napi::Value Step(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  if (x.scalar_type() == at::kFloat && x.device().type() == c10::kCPU) {
    // leaky_relu_backward(1, x, alpha) is 1 where x > 0 and alpha elsewhere, in one vectorised pass (where() is a
    // scalar loop on the CPU); NaN must stay NaN, which only the rare input that has one pays for.
    auto out = at::leaky_relu_backward(at::ones_like(x), x, f64(info, 1), false);
    auto nan = at::isnan(x);
    return wrap(info.Env(), nan.any().item<bool>() ? at::where(nan, x, out) : out);
  }
  auto one = at::ones_like(x);
  auto out = at::where(at::gt(x, 0), one, at::full_like(x, f64(info, 1)));
  return wrap(info.Env(), at::where(at::isnan(x), x, out));
}

Napi::Value Clip(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::clamp(T(info[0]), f64(info, 1), f64(info, 2)));
}

Napi::Value Select(const Napi::CallbackInfo& info) {
  at::Tensor c = T(info[0]);
  const at::Tensor& a = T(info[1]);
  if (c.dim() == 1 && a.dim() > 1) {  // tfjs' where: a rank-1 condition picks rows
    std::vector<int64_t> s(a.dim(), 1);
    s[0] = c.size(0);
    c = c.reshape(s);
  }
  const at::Tensor& b = T(info[2]);
  if (c.sizes() == a.sizes() && a.sizes() == b.sizes() && a.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat &&
      a.device().type() == c10::kCPU) {
    // ATen's CPU where() is a scalar loop (8.6 ms for 2M floats here, against 0.3 ms for a multiply); choosing bit
    // patterns through an all-ones/all-zeros mask is exact for every value (NaN and infinities included) and vectorised.
    auto mask = c.to(at::kInt).neg_();
    auto ai = a.contiguous().view(at::kInt), bi = b.contiguous().view(at::kInt);
    return wrap(info.Env(), at::bitwise_or(at::bitwise_and(ai, mask), at::bitwise_and(bi, at::bitwise_not(mask))).view(at::kFloat));
  }
  return wrap(info.Env(), at::where(c, a, b));
}

Napi::Value Cast(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info[0]).to(scalarType(static_cast<int>(i64(info, 1)))));
}

Napi::Value AddN(const Napi::CallbackInfo& info) {
  auto ts = tensors(info[0]);
  at::Tensor sum = ts[0].clone();
  for (size_t i = 1; i < ts.size(); i++) sum.add_(ts[i]);
  return wrap(info.Env(), sum);
}

// ---- reductions ------------------------------------------------------------------------------------------------

const char* kReduce[] = {"Sum", "Mean", "Max", "Min", "Prod", "All", "Any"};

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  int op = static_cast<int>(i64(info, 0));
  at::Tensor x = T(info[1]);
  auto axes = ints(info[2]);
  bool keep = flag(info, 3);
  at::Tensor y;
  bool integral = x.scalar_type() == at::kInt || x.scalar_type() == at::kBool;
  switch (op) {
    case 0: y = at::sum(x, axes, keep); break;
    case 1: y = at::mean(integral ? x.to(at::kFloat) : x, axes, keep); break;
    case 2: y = at::amax(x, axes, keep); break;
    case 3: y = at::amin(x, axes, keep); break;
    case 4: {
      y = x;
      std::vector<int64_t> sorted = axes;
      std::sort(sorted.rbegin(), sorted.rend());
      for (auto a : sorted) y = at::prod(y, a, keep);
      break;
    }
    case 5:
    case 6: {
      y = x.to(at::kBool);
      std::vector<int64_t> sorted = axes;
      std::sort(sorted.rbegin(), sorted.rend());
      for (auto a : sorted) y = op == 5 ? at::all(y, a, keep) : at::any(y, a, keep);
      break;
    }
    default: throw std::runtime_error("scg torch: unknown reduction " + std::to_string(op));
  }
  if (y.scalar_type() == at::kLong) y = y.to(at::kInt);  // tfjs sums ints into int32
  return wrap(info.Env(), y);
}

Napi::Value ArgMinMax(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  int64_t axis = i64(info, 1);
  auto y = flag(info, 2) ? at::argmax(x, axis) : at::argmin(x, axis);
  return wrap(info.Env(), y.to(at::kInt));
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::softmax(T(info[0]), i64(info, 1)));
}

// ---- shapes and indexing ---------------------------------------------------------------------------------------

Napi::Value Reshape(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info[0]).reshape(ints(info[1])));
}

// A strided view, not a copy: ATen's kernels read any strides (matmul folds a transpose into its BLAS call), and
// reads, reshapes and convolutions make what they need contiguous.
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info[0]).permute(ints(info[1])));
}

Napi::Value Slice(const Napi::CallbackInfo& info) {
  at::Tensor x = T(info[0]);
  auto begin = ints(info[1]);
  auto size = ints(info[2]);
  for (size_t d = 0; d < begin.size(); d++) {
    if (begin[d] != 0 || size[d] != x.size(static_cast<int64_t>(d))) x = x.narrow(static_cast<int64_t>(d), begin[d], size[d]);
  }
  return wrap(info.Env(), x.contiguous());
}

// begin/end/strides already resolved by tfjs' slice_util (end exclusive; negative strides count down).
Napi::Value StridedSlice(const Napi::CallbackInfo& info) {
  at::Tensor x = T(info[0]);
  auto begin = ints(info[1]);
  auto end = ints(info[2]);
  auto strides = ints(info[3]);
  for (size_t d = 0; d < begin.size(); d++) {
    int64_t dim = static_cast<int64_t>(d);
    int64_t s = strides[d];
    if (s > 0) {
      int64_t e = std::max(end[d], begin[d]);
      x = x.slice(dim, begin[d], e, s);
    } else {
      // Walk down from begin to end (exclusive): flip, then step forward.
      int64_t n = x.size(dim);
      int64_t b = n - 1 - begin[d];
      int64_t e = n - 1 - end[d];
      x = x.flip({dim}).slice(dim, b, std::max(e, b), -s);
    }
  }
  return wrap(info.Env(), x.contiguous().reshape(ints(info[4])));
}

Napi::Value Concat(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::cat(tensors(info[0]), i64(info, 1)));
}

Napi::Value Pack(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::stack(tensors(info[0]), i64(info, 1)));
}

Napi::Value Unpack(const Napi::CallbackInfo& info) {
  return wrapList(info.Env(), at::unbind(T(info[0]), i64(info, 1)));
}

Napi::Value SplitV(const Napi::CallbackInfo& info) {
  return wrapList(info.Env(), at::split_with_sizes(T(info[0]), ints(info[1]), i64(info, 2)));
}

// paddings: [before0, after0, before1, after1, ...] in tfjs' axis order.
Napi::Value Pad(const Napi::CallbackInfo& info) {
  auto p = ints(info[1]);
  std::vector<int64_t> torchPads;
  for (size_t d = p.size() / 2; d-- > 0;) {
    torchPads.push_back(p[2 * d]);
    torchPads.push_back(p[2 * d + 1]);
  }
  return wrap(info.Env(), at::constant_pad_nd(T(info[0]), torchPads, f64(info, 2)));
}

Napi::Value Tile(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), T(info[0]).repeat(ints(info[1])));
}

Napi::Value Reverse(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), at::flip(T(info[0]), ints(info[1])));
}

// Gather with tfjs' shape bookkeeping done in JS: x viewed [batch, outer, dim, slice], indices [batch, n].
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  at::Tensor idx = T(info[1]).to(at::kLong);
  auto dims = ints(info[2]);  // batch, outer, dim, slice
  auto outShape = ints(info[3]);
  int64_t b = dims[0], outer = dims[1], dim = dims[2], slice = dims[3];
  at::Tensor y;
  if (b == 1) {
    y = x.reshape({outer, dim, slice}).index_select(1, idx.reshape({-1}));
  } else {
    int64_t n = idx.numel() / b;
    auto x4 = x.reshape({b, outer, dim, slice});
    auto i4 = idx.reshape({b, 1, n, 1}).expand({b, outer, n, slice});
    y = at::gather(x4, 2, i4);
  }
  return wrap(info.Env(), y.reshape(outShape));
}

Napi::Value UnsortedSegmentSum(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  at::Tensor ids = T(info[1]).to(at::kLong).reshape({-1});
  int64_t segments = i64(info, 2);
  int64_t n = ids.numel();
  std::vector<int64_t> outShape{segments};
  for (int64_t d = T(info[1]).dim(); d < x.dim(); d++) outShape.push_back(x.size(d));
  auto out = at::zeros({segments, n ? x.numel() / n : 0}, x.options());
  // Ids outside [0, segments) are dropped, as TF does.
  auto keep = at::logical_and(at::ge(ids, 0), at::lt(ids, segments));
  auto x2 = x.reshape({n, -1});
  if (!keep.all().item<bool>()) {
    auto rows = at::nonzero(keep).reshape({-1});
    out.index_add_(0, ids.index_select(0, rows), x2.index_select(0, rows));
  } else {
    out.index_add_(0, ids, x2);
  }
  return wrap(info.Env(), out.reshape(outShape));
}

Napi::Value OneHot(const Napi::CallbackInfo& info) {
  at::Tensor idx = T(info[0]).to(at::kLong);
  int64_t depth = i64(info, 1);
  auto st = scalarType(static_cast<int>(i64(info, 4)));
  auto range = at::arange(depth, idx.options());
  auto hit = at::eq(idx.unsqueeze(-1), range);
  auto opts = at::TensorOptions().dtype(st).device(idx.device());
  return wrap(info.Env(), at::where(hit, at::scalar_tensor(f64(info, 2), opts), at::scalar_tensor(f64(info, 3), opts)));
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  auto st = scalarType(static_cast<int>(i64(info, 2)));
  return wrap(info.Env(), at::full(ints(info[0]), f64(info, 1), at::TensorOptions().dtype(st).device(g_device)));
}

Napi::Value Range(const Napi::CallbackInfo& info) {
  auto st = scalarType(static_cast<int>(i64(info, 3)));
  int64_t n = i64(info, 4);
  auto opts = at::TensorOptions().dtype(at::kDouble).device(g_device);
  auto r = at::arange(n, opts) * f64(info, 2) + f64(info, 0);
  (void)info[1];
  return wrap(info.Env(), r.to(st));
}

// ---- matrix products and normalisation --------------------------------------------------------------------------

at::Tensor matmul(const at::Tensor& a, const at::Tensor& b, bool ta, bool tb) {
  return at::matmul(ta ? a.transpose(-2, -1) : a, tb ? b.transpose(-2, -1) : b).contiguous();
}

Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), matmul(T(info[0]), T(info[1]), flag(info, 2), flag(info, 3)));
}

// Activation codes: 0 linear, 1 relu, 2 relu6, 3 prelu (weights given), 4 leakyrelu, 5 sigmoid, 6 elu.
at::Tensor activate(at::Tensor y, int act, const Napi::Value& preluWeights, double alpha) {
  switch (act) {
    case 0: return y;
    case 1: return at::relu(y);
    case 2: return at::clamp(y, 0, 6);
    case 3: return at::where(at::lt(y, 0), y * T(preluWeights), y);
    case 4: return at::leaky_relu(y, alpha);
    case 5: return at::sigmoid(y);
    case 6: return at::elu(y);
  }
  throw std::runtime_error("scg torch: unknown activation " + std::to_string(act));
}

// (a, b, bias|null, transposeA, transposeB, activation, preluWeights|null, leakyAlpha)
Napi::Value FusedMatMul(const Napi::CallbackInfo& info) {
  at::Tensor y = matmul(T(info[0]), T(info[1]), flag(info, 3), flag(info, 4));
  if (!info[2].IsNull()) y = y + T(info[2]);
  return wrap(info.Env(), activate(y, static_cast<int>(i64(info, 5)), info[6], f64(info, 7)).contiguous());
}

// x, mean, variance, offset|null, scale|null, epsilon: tfjs' FusedBatchNorm (inference form, broadcast).
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  at::Tensor inv = at::rsqrt(T(info[2]) + f64(info, 5));
  if (!info[4].IsNull()) inv = inv * T(info[4]);
  at::Tensor y = (T(info[0]) - T(info[1])) * inv;
  if (!info[3].IsNull()) y = y + T(info[3]);
  return wrap(info.Env(), y);
}

// ---- convolutions -----------------------------------------------------------------------------------------------

// NHWC tensor → NCHW view with channels-last strides (no copy).
at::Tensor nchw(const at::Tensor& x) { return x.permute({0, 3, 1, 2}); }
// NCHW result → NHWC contiguous (free when the result is channels-last already).
at::Tensor nhwc(const at::Tensor& y) { return y.permute({0, 2, 3, 1}).contiguous(); }
// HWIO filter → OIHW with channels-last strides.
at::Tensor oihw(const at::Tensor& w) { return w.permute({3, 0, 1, 2}).contiguous().permute({0, 3, 1, 2}); }

struct ConvArgs {
  int64_t sh, sw, pt, pb, pl, pr, dh, dw;
  bool symmetric() const { return pt == pb && pl == pr; }
};

ConvArgs convArgs(const Napi::CallbackInfo& info, size_t from) {
  auto v = ints(info[from]);
  return ConvArgs{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
}

// A once-per-shape choice between oneDNN and ATen's own convolution paths (im2col + BLAS), which is faster on some
// small or strided shapes. The first call of a shape runs both paths twice and times the second runs; ATen wins
// only when it is at least 1.5x faster, so near-ties (which could flip between runs) stay on oneDNN. Every call of
// a shape, the first included, returns the chosen path's result, so a process is consistent with itself; another
// process may choose otherwise, which is why it is opt-in (SCG_TORCH_AUTOTUNE=1).
struct Choice {
  bool decided = false;
  bool useMkldnn = true;
};
std::map<std::string, Choice> g_choices;

std::string shapeKey(const char* op, std::initializer_list<at::IntArrayRef> shapes, const ConvArgs& c) {
  std::string k(op);
  for (auto s : shapes) {
    k += '|';
    for (auto d : s) k += std::to_string(d) + ',';
  }
  k += '|' + std::to_string(c.sh) + ',' + std::to_string(c.sw) + ',' + std::to_string(c.dh) + ',' + std::to_string(c.dw) +
       ',' + std::to_string(c.pt) + ',' + std::to_string(c.pb) + ',' + std::to_string(c.pl) + ',' + std::to_string(c.pr);
  return k;
}

// Runs `run(aten)` on oneDNN (aten = false) or on ATen's own path (aten = true, which wants contiguous NCHW).
template <typename F>
at::Tensor autotuned(const std::string& key, F run) {
  bool cpu = g_device.type() == c10::kCPU;
  auto& ctx = at::globalContext();
  if (!cpu || !g_autotune || !ctx.userEnabledMkldnn()) return run(false);
  auto onAten = [&] {
    ctx.setUserEnabledMkldnn(false);
    try {
      auto y = run(true);
      ctx.setUserEnabledMkldnn(true);
      return y;
    } catch (...) {
      ctx.setUserEnabledMkldnn(true);
      throw;
    }
  };
  Choice& c = g_choices[key];
  if (c.decided) return c.useMkldnn ? run(false) : onAten();
  auto timed = [](auto f) {
    auto t0 = std::chrono::steady_clock::now();
    auto y = f();
    return std::make_pair(y, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  };
  run(false);  // warm-ups: oneDNN creates its primitive, ATen its buffers
  onAten();
  auto mk = timed([&] { return run(false); });
  auto at = timed(onAten);
  c.useMkldnn = !(at.second * 1.5 < mk.second);
  c.decided = true;
  return c.useMkldnn ? mk.first : at.first;
}

// The memory format each path wants: channels-last views for oneDNN, plain contiguous NCHW for ATen.
at::Tensor fmt(const at::Tensor& t, bool aten) {
  return aten ? t.contiguous() : t.contiguous(at::MemoryFormat::ChannelsLast);
}

at::Tensor padNchw(const at::Tensor& x, const ConvArgs& c, double value = 0) {
  if (c.pt == 0 && c.pb == 0 && c.pl == 0 && c.pr == 0) return x;
  return at::constant_pad_nd(x, {c.pl, c.pr, c.pt, c.pb}, value);
}

// `bias` (one value per output channel, or undefined) goes into the convolution itself: oneDNN adds it in the
// same pass instead of a second sweep over the output.
at::Tensor conv2d(const at::Tensor& x, const at::Tensor& w, const ConvArgs& c, const at::Tensor& bias = {}) {
  at::Tensor xi = nchw(x);
  at::Tensor wi = oihw(w);
  std::vector<int64_t> pad{0, 0};
  if (c.symmetric()) pad = {c.pt, c.pl};
  else xi = padNchw(xi, c);
  auto key = shapeKey("conv", {x.sizes(), w.sizes()}, c);
  return nhwc(autotuned(key, [&](bool aten) { return at::conv2d(fmt(xi, aten), fmt(wi, aten), bias, {c.sh, c.sw}, pad, {c.dh, c.dw}); }));
}

// (x, w, conv args)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), conv2d(T(info[0]), T(info[1]), convArgs(info, 2)));
}

// (x, w, conv args, bias|null, activation, preluWeights|null, leakyAlpha)
Napi::Value FusedConv2D(const Napi::CallbackInfo& info) {
  at::Tensor w = T(info[1]);
  at::Tensor bias = info[3].IsNull() ? at::Tensor() : T(info[3]);
  bool perChannel = bias.defined() && bias.dim() == 1 && bias.size(0) == w.size(3) && bias.scalar_type() == w.scalar_type();
  at::Tensor y = conv2d(T(info[0]), w, convArgs(info, 2), perChannel ? bias : at::Tensor());
  if (bias.defined() && !perChannel) y = y + bias;
  int act = static_cast<int>(i64(info, 4));
  if (act == 1) return wrap(info.Env(), at::relu_(y).contiguous());  // y is this call's own tensor: ReLU in place
  return wrap(info.Env(), activate(y, act, info[5], f64(info, 6)).contiguous());
}

// Gradients of conv2d through ATen's convolution_backward, on the explicitly padded input shape when the
// padding is asymmetric (then cropped).
std::tuple<at::Tensor, at::Tensor> convBackward(const at::Tensor& dy, at::IntArrayRef xShape, const at::Tensor* x,
                                                const at::Tensor& w, const ConvArgs& c, bool wantInput) {
  at::Tensor dyi = nchw(dy);
  at::Tensor wi = oihw(w);
  std::vector<int64_t> pad{0, 0};
  int64_t n = xShape[0], h = xShape[1], wd = xShape[2], ci = xShape[3];
  at::Tensor xi;
  if (x) {
    xi = nchw(*x);
    if (!c.symmetric()) xi = padNchw(xi, c);
  } else {
    int64_t hp = h + (c.symmetric() ? 0 : c.pt + c.pb), wp = wd + (c.symmetric() ? 0 : c.pl + c.pr);
    xi = at::empty({n, hp, wp, ci}, dy.options()).permute({0, 3, 1, 2});
  }
  if (c.symmetric()) pad = {c.pt, c.pl};
  std::array<bool, 3> mask{wantInput, !wantInput, false};
  auto key = shapeKey(wantInput ? "dx" : "dw", {dy.sizes(), xShape, w.sizes()}, c);
  at::Tensor out = autotuned(key, [&](bool aten) {
    // Only the input gradient needs no input values: an uninitialised proxy is never copied.
    auto xin = (aten && !x) ? at::empty(xi.sizes(), dy.options()) : fmt(xi, aten);
    auto r = at::convolution_backward(fmt(dyi, aten), xin, fmt(wi, aten), c10::nullopt,
                                      {c.sh, c.sw}, pad, {c.dh, c.dw}, false, {0, 0}, 1, mask);
    return wantInput ? std::get<0>(r) : std::get<1>(r);
  });
  if (wantInput) {
    if (!c.symmetric()) out = out.narrow(2, c.pt, h).narrow(3, c.pl, wd);
    return {nhwc(out), at::Tensor()};
  }
  return {at::Tensor(), out.permute({2, 3, 1, 0}).contiguous()};  // OIHW → HWIO
}

// (dy, w, inputShape, conv args)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  auto xShape = ints(info[2]);
  auto c = convArgs(info, 3);
  return wrap(info.Env(), std::get<0>(convBackward(T(info[0]), xShape, nullptr, T(info[1]), c, true)));
}

// (x, dy, filterShape, conv args)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  auto wShape = ints(info[2]);
  auto c = convArgs(info, 3);
  at::Tensor wProxy = at::empty(wShape, x.options());
  return wrap(info.Env(), std::get<1>(convBackward(T(info[1]), x.sizes(), &x, wProxy, c, false)));
}

// ---- pooling ----------------------------------------------------------------------------------------------------

// Whether ATen's pooling can take the padding itself: symmetric, and at most half the kernel (ATen's limit).
bool poolPadsInline(const ConvArgs& c, const std::vector<int64_t>& k) {
  return c.symmetric() && 2 * c.pt <= k[0] && 2 * c.pl <= k[1];
}

// (x, [kh, kw], conv args): TF's average pool counts only the cells inside the image.
Napi::Value AvgPool(const Napi::CallbackInfo& info) {
  at::Tensor x = nchw(T(info[0]));
  auto k = ints(info[1]);
  auto c = convArgs(info, 2);
  if (c.pt == 0 && c.pb == 0 && c.pl == 0 && c.pr == 0) {
    return wrap(info.Env(), nhwc(at::avg_pool2d(x, k, {c.sh, c.sw}, {0, 0}, false, true)));
  }
  if (poolPadsInline(c, k)) {
    // symmetric pads ATen can apply itself: count_include_pad=false divides by the cells inside the image, as
    // TF does, in one channels-last pass (no padded copy, no second pool for the counts)
    return wrap(info.Env(), nhwc(at::avg_pool2d(x, k, {c.sh, c.sw}, {c.pt, c.pl}, false, false)));
  }
  auto sum = at::avg_pool2d(padNchw(x, c), k, {c.sh, c.sw}, {0, 0}, false, true, 1);
  auto ones = padNchw(at::ones({1, 1, x.size(2), x.size(3)}, x.options()), c);
  auto count = at::avg_pool2d(ones, k, {c.sh, c.sw}, {0, 0}, false, true, 1);
  return wrap(info.Env(), nhwc(sum / count));
}

// (dy, inputShape, [kh, kw], conv args)
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  at::Tensor dy = nchw(T(info[0]));
  auto xs = ints(info[1]);
  auto k = ints(info[2]);
  auto c = convArgs(info, 3);
  bool padded = !(c.pt == 0 && c.pb == 0 && c.pl == 0 && c.pr == 0);
  int64_t hp = xs[1] + c.pt + c.pb, wp = xs[2] + c.pl + c.pr;
  auto xi = at::empty({xs[0], hp, wp, xs[3]}, dy.options()).permute({0, 3, 1, 2});
  if (!padded) return wrap(info.Env(), nhwc(at::avg_pool2d_backward(dy, xi, k, {c.sh, c.sw}, {0, 0}, false, true, c10::nullopt)));
  auto ones = padNchw(at::ones({1, 1, xs[1], xs[2]}, dy.options()), c);
  auto count = at::avg_pool2d(ones, k, {c.sh, c.sw}, {0, 0}, false, true, 1);
  auto dx = at::avg_pool2d_backward(dy / count, xi, k, {c.sh, c.sw}, {0, 0}, false, true, 1);
  return wrap(info.Env(), nhwc(dx.narrow(2, c.pt, xs[1]).narrow(3, c.pl, xs[2])));
}

at::Tensor negInfPadded(const at::Tensor& x, const ConvArgs& c) {
  return padNchw(x, c, -std::numeric_limits<double>::infinity());
}

// (x, [kh, kw], conv args)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  at::Tensor x = nchw(T(info[0]));
  auto k = ints(info[1]);
  auto c = convArgs(info, 2);
  // ATen pads a max pool with −inf itself when the pads are symmetric and within its limit (dilated kernels span
  // more cells, so its limit is checked on the effective size)
  std::vector<int64_t> span{(k[0] - 1) * c.dh + 1, (k[1] - 1) * c.dw + 1};
  if (poolPadsInline(c, span))
    return wrap(info.Env(), nhwc(at::max_pool2d(x, k, {c.sh, c.sw}, {c.pt, c.pl}, {c.dh, c.dw}, false)));
  return wrap(info.Env(), nhwc(at::max_pool2d(negInfPadded(x, c), k, {c.sh, c.sw}, {0, 0}, {c.dh, c.dw}, false)));
}

// (dy, x, [kh, kw], conv args)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  at::Tensor dy = nchw(T(info[0]));
  at::Tensor x = nchw(T(info[1]));
  auto k = ints(info[2]);
  auto c = convArgs(info, 3);
  auto xp = negInfPadded(x, c).contiguous();
  auto r = at::max_pool2d_with_indices(xp, k, {c.sh, c.sw}, {0, 0}, {c.dh, c.dw}, false);
  auto dx = at::max_pool2d_with_indices_backward(dy.contiguous(), xp, k, {c.sh, c.sw}, {0, 0}, {c.dh, c.dw}, false, std::get<1>(r));
  return wrap(info.Env(), nhwc(dx.narrow(2, c.pt, x.size(2)).narrow(3, c.pl, x.size(3))));
}

// ---- image resizing (tfjs' coordinate rules, exactly; gradients by scatter-add) ---------------------------------

struct Axis {
  std::vector<int64_t> lo, hi;
  std::vector<float> frac;
};

double ratio(int64_t in, int64_t out, bool alignCorners) {
  return (alignCorners && out > 1) ? static_cast<double>(in - 1) / static_cast<double>(out - 1)
                                   : static_cast<double>(in) / static_cast<double>(out);
}

Axis bilinearAxis(int64_t in, int64_t out, bool alignCorners, bool halfPixel) {
  Axis a;
  double r = ratio(in, out, alignCorners);
  for (int64_t i = 0; i < out; i++) {
    double src = halfPixel ? r * (static_cast<double>(i) + 0.5) - 0.5 : r * static_cast<double>(i);
    int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(src)));
    int64_t hi = std::min<int64_t>(in - 1, static_cast<int64_t>(std::ceil(src)));
    a.lo.push_back(lo);
    a.hi.push_back(hi);
    a.frac.push_back(static_cast<float>(src - static_cast<double>(lo)));
  }
  return a;
}

std::vector<int64_t> nearestAxis(int64_t in, int64_t out, bool alignCorners, bool halfPixel) {
  std::vector<int64_t> idx;
  double r = ratio(in, out, alignCorners);
  for (int64_t i = 0; i < out; i++) {
    double src = halfPixel ? r * (static_cast<double>(i) + 0.5) : r * static_cast<double>(i);
    int64_t n = std::min<int64_t>(in - 1, static_cast<int64_t>(alignCorners ? std::round(src) : std::floor(src)));
    if (halfPixel) n = std::max<int64_t>(0, n);
    idx.push_back(n);
  }
  return idx;
}

at::Tensor longs(const std::vector<int64_t>& v, c10::Device d) {
  return at::tensor(v, at::TensorOptions().dtype(at::kLong)).to(d);
}

at::Tensor fracs(const std::vector<float>& v, c10::Device d, int dim) {
  std::vector<int64_t> s{1, 1, 1, 1};
  s[dim] = static_cast<int64_t>(v.size());
  return at::tensor(v, at::TensorOptions().dtype(at::kFloat)).to(d).reshape(s);
}

// (images, newH, newW, alignCorners, halfPixelCenters)
Napi::Value ResizeBilinear(const Napi::CallbackInfo& info) {
  at::Tensor x = T(info[0]);
  if (x.scalar_type() != at::kFloat) x = x.to(at::kFloat);
  auto d = x.device();
  Axis ry = bilinearAxis(x.size(1), i64(info, 1), flag(info, 3), flag(info, 4));
  Axis rx = bilinearAxis(x.size(2), i64(info, 2), flag(info, 3), flag(info, 4));
  auto top = x.index_select(1, longs(ry.lo, d)), bottom = x.index_select(1, longs(ry.hi, d));
  auto fy = fracs(ry.frac, d, 1), fx = fracs(rx.frac, d, 2);
  auto rows = top + (bottom - top) * fy;
  auto left = rows.index_select(2, longs(rx.lo, d)), right = rows.index_select(2, longs(rx.hi, d));
  return wrap(info.Env(), (left + (right - left) * fx).contiguous());
}

// (images, dy, alignCorners, halfPixelCenters): the exact gradient of ResizeBilinear above.
Napi::Value ResizeBilinearGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  at::Tensor dy = T(info[1]);
  auto d = dy.device();
  int64_t h = x.size(1), w = x.size(2);
  Axis ry = bilinearAxis(h, dy.size(1), flag(info, 2), flag(info, 3));
  Axis rx = bilinearAxis(w, dy.size(2), flag(info, 2), flag(info, 3));
  auto fy = fracs(ry.frac, d, 1), fx = fracs(rx.frac, d, 2);
  // Columns first: dy[.., c] flows to left with (1 - fx) and to right with fx.
  auto cols = at::zeros({dy.size(0), dy.size(1), w, dy.size(3)}, dy.options());
  cols.index_add_(2, longs(rx.lo, d), dy * (1 - fx));
  cols.index_add_(2, longs(rx.hi, d), dy * fx);
  auto dx = at::zeros({dy.size(0), h, w, dy.size(3)}, dy.options());
  dx.index_add_(1, longs(ry.lo, d), cols * (1 - fy));
  dx.index_add_(1, longs(ry.hi, d), cols * fy);
  return wrap(info.Env(), dx);
}

// (images, newH, newW, alignCorners, halfPixelCenters)
Napi::Value ResizeNearest(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  auto d = x.device();
  auto iy = longs(nearestAxis(x.size(1), i64(info, 1), flag(info, 3), flag(info, 4)), d);
  auto ix = longs(nearestAxis(x.size(2), i64(info, 2), flag(info, 3), flag(info, 4)), d);
  return wrap(info.Env(), x.index_select(1, iy).index_select(2, ix).contiguous());
}

// (images, dy, alignCorners, halfPixelCenters)
Napi::Value ResizeNearestGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& x = T(info[0]);
  const at::Tensor& dy = T(info[1]);
  auto d = dy.device();
  int64_t h = x.size(1), w = x.size(2);
  auto iy = longs(nearestAxis(h, dy.size(1), flag(info, 2), flag(info, 3)), d);
  auto ix = longs(nearestAxis(w, dy.size(2), flag(info, 2), flag(info, 3)), d);
  auto cols = at::zeros({dy.size(0), dy.size(1), w, dy.size(3)}, dy.options());
  cols.index_add_(2, ix, dy);
  auto dx = at::zeros({dy.size(0), h, w, dy.size(3)}, dy.options());
  dx.index_add_(1, iy, cols);
  return wrap(info.Env(), dx);
}

// ---- float64 linear algebra for the Fréchet distance (outside tfjs, which has no float64) ------------------------

// Tr((S1 S2)^1/2) of two symmetric PSD n x n matrices given as row-major Float64Arrays, computed as
// Tr((R S2 R)^1/2) with R = S1^1/2 from S1's eigen decomposition (negative round-off eigenvalues clamp to 0), in
// double on the CPU with libtorch's LAPACK. Returns [trace, smallest eigenvalue of R S2 R, largest |eigenvalue|],
// so the caller can judge whether the product was too close to singular.
// Adam's update of one variable in place, PyTorch's rule as src/nn/adam.ts writes it: m ← β1·m + (1−β1)·g;
// v ← β2·v + (1−β2)·g²; θ ← θ − lr/bc1 · m / (√v / bc2 + ε). Arguments: θ, g, m, v, lr, β1, β2, bc1, bc2, ε. Five
// vectorised passes and one temporary, where the same update as tfjs ops allocates a tensor per op (about a dozen
// per variable, each freshly page-faulted at the sizes of large convolution weights).
Napi::Value AdamInPlace(const Napi::CallbackInfo& info) {
  at::Tensor p = T(info[0]);
  const at::Tensor& g = T(info[1]);
  at::Tensor m = T(info[2]);
  at::Tensor v = T(info[3]);
  // tfjs tensors are immutable, so a clone or reshape is a view of the same storage: an update in place would
  // change those too. Only unshared storage is updated here; the caller does the update out of place otherwise.
  for (const at::Tensor* t : {&p, &m, &v})
    if (t->storage().use_count() != 1) return Napi::Boolean::New(info.Env(), false);
  const double lr = f64(info, 4), b1 = f64(info, 5), b2 = f64(info, 6), bc1 = f64(info, 7), bc2 = f64(info, 8);
  const double eps = f64(info, 9);
  m.mul_(b1).add_(g, 1 - b1);
  v.mul_(b2).addcmul_(g, g, 1 - b2);
  const at::Tensor denom = v.sqrt().div_(bc2).add_(eps);
  p.addcdiv_(m, denom, -lr / bc1);
  return Napi::Boolean::New(info.Env(), true);
}

// The Q factor of a tall m x n matrix (row-major float64, m >= n) from LAPACK's Householder QR, each column times the
// sign of R's diagonal (+1 where it is 0): the factor of orthogonal initialisation (src/nn/orthogonal.ts computes
// the same in JavaScript, O(m n^2), too slow for the fan-ins of a 256-px discriminator).
Napi::Value OrthogonalQ(const Napi::CallbackInfo& info) {
  auto a = info[0].As<Napi::Float64Array>();
  const int64_t m = i64(info, 1), n = i64(info, 2);
  if (static_cast<int64_t>(a.ElementLength()) != m * n || m < n)
    throw std::runtime_error("scg torch: OrthogonalQ needs a tall m x n matrix (m >= n)");
  const at::Tensor A = at::from_blob(a.Data(), {m, n}, at::TensorOptions().dtype(at::kDouble));
  auto [q, r] = at::linalg_qr(A, "reduced");
  const at::Tensor signs = at::where(r.diagonal() < 0, -1.0, 1.0);
  const at::Tensor out = (q * signs).contiguous();
  auto result = Napi::Float64Array::New(info.Env(), static_cast<size_t>(m * n));
  std::memcpy(result.Data(), out.data_ptr<double>(), static_cast<size_t>(m * n) * sizeof(double));
  return result;
}

Napi::Value TraceSqrtProduct(const Napi::CallbackInfo& info) {
  auto a = info[0].As<Napi::Float64Array>();
  auto b = info[1].As<Napi::Float64Array>();
  int64_t n = i64(info, 2);
  if (static_cast<int64_t>(a.ElementLength()) != n * n || static_cast<int64_t>(b.ElementLength()) != n * n)
    throw std::runtime_error("scg torch: TraceSqrtProduct needs two n x n matrices");
  auto opts = at::TensorOptions().dtype(at::kDouble);
  at::Tensor s1 = at::from_blob(a.Data(), {n, n}, opts);
  at::Tensor s2 = at::from_blob(b.Data(), {n, n}, opts);
  s1 = (s1 + s1.t()) / 2;
  auto [w, v] = at::linalg_eigh(s1);
  at::Tensor r = at::matmul(v * w.clamp_min(0).sqrt(), v.t());
  at::Tensor inner = at::matmul(at::matmul(r, s2), r);
  at::Tensor e = at::linalg_eigvalsh((inner + inner.t()) / 2);
  auto out = Napi::Float64Array::New(info.Env(), 3);
  out[0] = e.clamp_min(0).sqrt().sum().item<double>();
  out[1] = e.min().item<double>();
  out[2] = e.abs().max().item<double>();
  return out;
}

// ---- runtime ----------------------------------------------------------------------------------------------------

int cudaCount() {
  try {
    return at::detail::getCUDAHooks().getNumGPUs();
  } catch (...) {
    return 0;
  }
}

// OpenBLAS (Debian's libtorch calls the system BLAS) keeps its own pool of pthreads, which at::set_num_threads does
// not reach: with `threads: 1` every matmul still ran on all cores. Its setter is looked up in the BLAS libtorch
// already loaded (the addon's dependencies are not in the global symbol scope); another BLAS gives null.
template <typename F>
F openblasSymbol(const char* name) {
  for (const char* lib : {"libopenblas.so.0", "libblas.so.3"}) {
    if (void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD)) {
      void* f = dlsym(h, name);
      dlclose(h);
      if (f) return reinterpret_cast<F>(f);
    }
  }
  return nullptr;
}

/** OpenBLAS's thread count, or -1 where the BLAS is not OpenBLAS. */
int blasThreads() {
  static const auto get = openblasSymbol<int (*)()>("openblas_get_num_threads");
  return get ? get() : -1;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("version", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                       std::to_string(TORCH_VERSION_PATCH));
  o.Set("cudaDevices", cudaCount());
  o.Set("cudaCompiled", at::hasCUDA());
  o.Set("mkldnn", at::hasMKLDNN());
  o.Set("openmp", at::hasOpenMP());
  o.Set("threads", at::get_num_threads());
  o.Set("blasThreads", blasThreads());
  o.Set("device", g_device.str());
  o.Set("config", at::show_config());
  o.Set("parallel", at::get_parallel_info());
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int n = static_cast<int>(i64(info, 0));
  at::set_num_threads(n);
  static const auto blas = openblasSymbol<void (*)(int)>("openblas_set_num_threads");
  if (blas) blas(n);
  return info.Env().Undefined();
}

Napi::Value SetDevice(const Napi::CallbackInfo& info) {
  c10::Device d(info[0].As<Napi::String>().Utf8Value());
  if (d.type() == c10::kCUDA) {
    int n = cudaCount();
    if (n == 0) throw std::runtime_error("this libtorch sees no CUDA device");
    if (d.has_index() && d.index() >= n) {
      throw std::runtime_error("CUDA device " + std::to_string(d.index()) + " requested, but only " + std::to_string(n) + " visible");
    }
    if (!d.has_index()) d = c10::Device(c10::kCUDA, 0);
    // libtorch, like PyTorch, lets cuDNN convolutions use TF32 on Ampere and later; SCG_TORCH_TF32=0 forbids it
    // (the GPU check's parity tests compare against float32 references).
    const char* tf32 = std::getenv("SCG_TORCH_TF32");
    if (tf32 && std::string(tf32) == "0") {
      at::globalContext().setAllowTF32CuDNN(false);
      at::globalContext().setAllowTF32CuBLAS(false);
    }
  }
  g_device = d;
  return Napi::String::New(info.Env(), g_device.str());
}

Napi::Value SetAutotune(const Napi::CallbackInfo& info) {
  g_autotune = flag(info, 0);
  g_choices.clear();
  return info.Env().Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  if (g_device.type() == c10::kCUDA) at::detail::getCUDAHooks().deviceSynchronize(g_device.index());
  return info.Env().Undefined();
}

Napi::Value SetDeterministic(const Napi::CallbackInfo& info) {
  at::globalContext().setDeterministicAlgorithms(flag(info, 0), true);
  return info.Env().Undefined();
}

Napi::Array names(Napi::Env env, const char* const* list, size_t n) {
  auto a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) a.Set(static_cast<uint32_t>(i), list[i]);
  return a;
}

#define SCG_EXPORT(name) exports.Set(#name, Napi::Function::New(env, guarded<name>, #name))

// A caching CPU allocator for libtorch. A training step frees and reallocates the same multi-MB tensors every step,
// and glibc gives such blocks back to the kernel on free, so every reallocation pays a page fault per 4 KiB page
// (measured here: 1,843 faults per 8 MB add, 6x the add's own time; 400k faults in 7 reference steps). Blocks of
// 256 KiB and up are kept on free lists by exact (64 KiB-rounded) size and handed out again; the cache is capped
// (SCG_TORCH_CACHE_MB, default 512; SCG_TORCH_CACHE_MB=0 turns it off). A block freed into a full cache takes the
// place of blocks of the size least recently asked for, not the other way round: a process that trains one model
// after another (an `scg ablate` worker) would otherwise keep its first models' sizes cached for good, and every
// block of the later ones would be mapped and unmapped again on every use (an SSA-GAN cell after AttnGAN, DM-GAN
// and the builtin evaluator in one worker: 830-900 ms a GAN step, 21% of it in the kernel, against 380-470 ms fresh).
// Those blocks come from their own mmap, never from glibc's heap: glibc serves large requests from its heap once
// its mmap threshold has risen, and cached blocks there pin the heap (a quickstart run that trained the builtin
// evaluator mid-GAN, other tensor sizes, grew to 4.0 GB RSS, against 1.3 GB with the cache off).
class CachingCpuAllocator final : public at::Allocator {
 public:
  explicit CachingCpuAllocator(size_t capBytes) : cap_(capBytes) {}

  at::DataPtr allocate(size_t n) const override {
    size_t size = n < kMin ? n : ((n + kRound - 1) / kRound) * kRound;
    void* p = take(size);
    const auto bytes = static_cast<int64_t>(liveBytes(p, size));
    const int64_t live = g_live.fetch_add(bytes) + bytes;
    int64_t peak = g_livePeak.load();
    while (live > peak && !g_livePeak.compare_exchange_weak(peak, live)) {
    }
    return {p, p, &CachingCpuAllocator::release, at::Device(at::DeviceType::CPU)};
  }

  at::DeleterFnPtr raw_deleter() const override { return &CachingCpuAllocator::release; }

  static void release(void* p) { instance->give(p); }
  static CachingCpuAllocator* instance;
  static constexpr size_t kMinBlock = 256 * 1024;
  // Bytes of tensors alive now (blocks handed out and not yet given back; the cache not counted), and their peak
  // since the last `resetPeak`: what a training step needs at its widest, whatever the cache holds.
  static std::atomic<int64_t> g_live;
  static std::atomic<int64_t> g_livePeak;
  static int64_t resetPeak() { return g_livePeak.exchange(g_live.load()); }

 private:
  /** A block of `size` bytes from the cache or the system. */
  void* take(size_t size) const {
    void* p = nullptr;
    if (size >= kMin) {
      std::lock_guard<std::mutex> lock(mu_);
      lastAsked_[size] = ++clock_;
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        p = it->second.back();
        it->second.pop_back();
        cached_ -= size;
        hits_++;
      } else {
        misses_++;
      }
    }
    if (!p && size >= kMin) {
      p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);  // page-aligned
      if (p == MAP_FAILED) throw std::bad_alloc();
      g_footprint += static_cast<int64_t>(size);
    } else if (!p) {
      if (posix_memalign(&p, 64, std::max<size_t>(size, 1)) != 0) throw std::bad_alloc();
      g_footprint += static_cast<int64_t>(malloc_usable_size(p));
    }
    if (size >= kMin) {
      std::lock_guard<std::mutex> lock(mu_);
      sizes_[p] = size;
    }
    return p;
  }

  /** The bytes a block counts for as a live tensor: its cached size, or what malloc gave a small one. */
  static size_t liveBytes(void* p, size_t size) { return size >= kMin ? size : malloc_usable_size(p); }

  void give(void* p) const {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sizes_.find(p);
    g_live -= static_cast<int64_t>(it == sizes_.end() ? malloc_usable_size(p) : it->second);
    if (it == sizes_.end()) {
      g_footprint -= static_cast<int64_t>(malloc_usable_size(p));
      std::free(p);
      return;
    }
    size_t size = it->second;
    sizes_.erase(it);
    while (size <= cap_ && cached_ + size > cap_ && evictStalest(size)) {
    }
    if (cached_ + size > cap_) {
      unmap(p, size);
      return;
    }
    free_[size].push_back(p);
    cached_ += size;
  }

  void unmap(void* p, size_t size) const {
    g_footprint -= static_cast<int64_t>(size);
    munmap(p, size);
  }

  /**
   * Gives one cached block back to the OS, from the size asked for least recently, if that is not `size` itself
   * (then the block being freed is the one to drop). False when nothing was evicted. Called with `mu_` held.
   */
  bool evictStalest(size_t size) const {
    size_t stalest = 0;
    uint64_t oldest = UINT64_MAX;
    for (const auto& [s, blocks] : free_) {
      if (blocks.empty()) continue;
      const uint64_t asked = lastAsked_[s];
      if (asked < oldest) {
        oldest = asked;
        stalest = s;
      }
    }
    if (stalest == 0 || stalest == size) return false;
    auto& blocks = free_[stalest];
    unmap(blocks.back(), stalest);
    blocks.pop_back();
    cached_ -= stalest;
    evictions_++;
    return true;
  }

 public:
  /** Blocks of the cached sizes handed out from the cache (hits) or mapped anew (misses), and blocks evicted. */
  struct Stats {
    uint64_t hits, misses, evictions;
    size_t cached;
  };
  Stats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {hits_, misses_, evictions_, cached_};
  }

 private:

  static constexpr size_t kMin = kMinBlock;
  static constexpr size_t kRound = 64 * 1024;
  size_t cap_;
  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, std::vector<void*>> free_;
  mutable std::unordered_map<void*, size_t> sizes_;
  mutable std::unordered_map<size_t, uint64_t> lastAsked_;  // by block size: the `clock_` of its latest request
  mutable uint64_t clock_ = 0;
  mutable size_t cached_ = 0;
  mutable uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};
CachingCpuAllocator* CachingCpuAllocator::instance = nullptr;
std::atomic<int64_t> CachingCpuAllocator::g_live{0};
std::atomic<int64_t> CachingCpuAllocator::g_livePeak{0};

// The peak bytes of live CPU tensors since the last call (which starts a new window at what is alive now); -1 when
// scg's allocator is off (SCG_TORCH_CACHE_MB=0), so nothing is counted.
Napi::Value TensorPeak(const Napi::CallbackInfo& info) {
  if (!CachingCpuAllocator::instance) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), static_cast<double>(CachingCpuAllocator::resetPeak()));
}

// The caching allocator's counts (see CachingCpuAllocator::Stats); undefined when it is off.
Napi::Value CacheStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CachingCpuAllocator::instance) return env.Undefined();
  const auto st = CachingCpuAllocator::instance->stats();
  auto o = Napi::Object::New(env);
  o.Set("hits", static_cast<double>(st.hits));
  o.Set("misses", static_cast<double>(st.misses));
  o.Set("evictions", static_cast<double>(st.evictions));
  o.Set("cachedBytes", static_cast<double>(st.cached));
  return o;
}

void installAllocator() {
  // glibc's own mmap threshold is left as it is (as in PyTorch): the cache maps its large blocks itself, and what
  // else mallocs large blocks is transient. Pinning the threshold at 256 KiB, as scg did before, sent those to a
  // fresh mmap and page faults on every call: a [32,512,64] x [32,64,64] batched matmul, which mallocs and frees a
  // 512 KiB buffer per batch element (32 mmap/munmap pairs a call, by strace), ran at 3.8 ms against PyTorch's 1.0 ms
  // on the same 2 threads (node bench/batched-matmul.js).
  const char* v = std::getenv("SCG_TORCH_CACHE_MB");
  long mb = v ? std::atol(v) : 512;
  if (mb <= 0) return;
  CachingCpuAllocator::instance = new CachingCpuAllocator(static_cast<size_t>(mb) * 1024 * 1024);  // lives for the process
  c10::SetCPUAllocator(CachingCpuAllocator::instance, /*priority*/ 100);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  installAllocator();
  SCG_EXPORT(FromArray);
  SCG_EXPORT(ToArray);
  SCG_EXPORT(Free);
  SCG_EXPORT(Shape);
  SCG_EXPORT(Unary);
  SCG_EXPORT(Binary);
  SCG_EXPORT(LeakyRelu);
  SCG_EXPORT(Step);
  SCG_EXPORT(Clip);
  SCG_EXPORT(Select);
  SCG_EXPORT(Cast);
  SCG_EXPORT(AddN);
  SCG_EXPORT(Reduce);
  SCG_EXPORT(ArgMinMax);
  SCG_EXPORT(Softmax);
  SCG_EXPORT(Reshape);
  SCG_EXPORT(Transpose);
  SCG_EXPORT(Slice);
  SCG_EXPORT(StridedSlice);
  SCG_EXPORT(Concat);
  SCG_EXPORT(Pack);
  SCG_EXPORT(Unpack);
  SCG_EXPORT(SplitV);
  SCG_EXPORT(Pad);
  SCG_EXPORT(Tile);
  SCG_EXPORT(Reverse);
  SCG_EXPORT(Gather);
  SCG_EXPORT(UnsortedSegmentSum);
  SCG_EXPORT(OneHot);
  SCG_EXPORT(Fill);
  SCG_EXPORT(Range);
  SCG_EXPORT(BatchMatMul);
  SCG_EXPORT(FusedMatMul);
  SCG_EXPORT(BatchNorm);
  SCG_EXPORT(Conv2D);
  SCG_EXPORT(FusedConv2D);
  SCG_EXPORT(Conv2DBackpropInput);
  SCG_EXPORT(Conv2DBackpropFilter);
  SCG_EXPORT(AvgPool);
  SCG_EXPORT(AvgPoolGrad);
  SCG_EXPORT(MaxPool);
  SCG_EXPORT(MaxPoolGrad);
  SCG_EXPORT(ResizeBilinear);
  SCG_EXPORT(ResizeBilinearGrad);
  SCG_EXPORT(ResizeNearest);
  SCG_EXPORT(ResizeNearestGrad);
  SCG_EXPORT(TraceSqrtProduct);
  SCG_EXPORT(OrthogonalQ);
  SCG_EXPORT(Info);
  SCG_EXPORT(SetThreads);
  SCG_EXPORT(SetDevice);
  SCG_EXPORT(SetAutotune);
  SCG_EXPORT(SetDeterministic);
  SCG_EXPORT(Synchronize);
  SCG_EXPORT(TensorPeak);
  SCG_EXPORT(CacheStats);
  SCG_EXPORT(AdamInPlace);
  exports.Set("unaryOps", names(env, kUnary, sizeof(kUnary) / sizeof(kUnary[0])));
  exports.Set("binaryOps", names(env, kBinary, sizeof(kBinary) / sizeof(kBinary[0])));
  exports.Set("reduceOps", names(env, kReduce, sizeof(kReduce) / sizeof(kReduce[0])));
  return exports;
}

}  // namespace

NODE_API_MODULE(scg_torch, Init)

#include "core/training_dynamics.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

#include "core/cpu_kernels.h"
#include "core/vector_math.h"

namespace d2ace {

TrainingDynamics::TrainingDynamics(int64_t n, int64_t q, DynamicsOptions options,
                                   torch::Device device)
    : options_(options), q_(q) {
  TORCH_CHECK(options.window >= 0, "window must be >= 0");
  TORCH_CHECK(!options.track_flips || (options.window >= 1 && !options.store_bits),
              "flips need a probability window");
  auto f = torch::TensorOptions().dtype(torch::kFloat).device(device);
  visits_ = torch::zeros({n}, f.dtype(torch::kLong));
  int64_t blocks = 0;
  if (options.window > 0) {
    window_ = torch::zeros({n, options.window, q},
                           f.dtype(options.store_bits ? torch::kByte : torch::kFloat));
    if (options.store_bits) {
      window_sum_ = torch::zeros({n, q}, f);
    } else {
      change_ = blocks++;
      ring_offsets_ =
          torch::tensor({options.window - 1, int64_t{0}, int64_t{1}}, visits_.options());
    }
  }
  if (options.track_flips) flip_ = blocks++;
  if (options.track_loss) loss_ = blocks++;
  if (blocks > 0) rows_ = torch::zeros({n, blocks * q}, f);
  if (loss_ >= 0) block(loss_).fill_(options.initial_loss);
}

void put_rows(torch::Tensor& dst, const torch::Tensor& idx, const torch::Tensor& rows) {
  dst.index_put_({idx}, rows);
}

namespace {

// The fused update's layout: raw pointers into the state, and the options it needs.
struct DynamicsView {
  int64_t q, T, W;             // labels, window length, row width of the [N, W] state
  int64_t change, flip, loss;  // block offsets in a state row (-1: not kept)
  bool bits;
  float bit_threshold, keep, rate;  // flip EMA: f <- keep f + rate change
  int64_t* visits;
  float* window;        // [N, T, q] probabilities (bits: null)
  uint8_t* bit_window;  // [N, T, q] bits (probabilities: null)
  float* window_sum;    // [N, q] bit windows
  float* rows;          // [N, W]
};

// One instance's window step over its q labels. The pointers never overlap where written
// (`restrict`: what lets the compiler vectorise); the three window slots may coincide (T <= 2),
// read only. `flip` may be null.
D2ACE_INLINE void window_step(const float* __restrict p, const float* __restrict newest,
                              const float* __restrict oldest, const float* __restrict second,
                              float* __restrict sum, float* __restrict flip, int64_t q, int64_t T,
                              float visited, float full, float rate, float keep) {
  if (T >= 2) {
    for (int64_t j = 0; j < q; ++j)
      sum[j] = (sum[j] + std::fabs(p[j] - newest[j]) * visited) -
               std::fabs(second[j] - oldest[j]) * full;
  } else {
    for (int64_t j = 0; j < q; ++j) sum[j] = 0.0f;  // a one-entry window holds no pair
  }
  if (flip)
    for (int64_t j = 0; j < q; ++j)
      flip[j] = std::fma(std::fabs(p[j] - newest[j]) * visited, rate, flip[j] * keep);
}

D2ACE_INLINE void bit_step(const float* __restrict p, uint8_t* __restrict entry,
                           float* __restrict sum, int64_t q, float threshold) {
  for (int64_t j = 0; j < q; ++j) {
    const uint8_t bit = p[j] >= threshold ? 1 : 0;
    sum[j] = (sum[j] + static_cast<float>(bit)) - static_cast<float>(entry[j]);
    entry[j] = bit;
  }
}

// Instances batch[begin, end) (distinct), their predictions p and losses l ([b, q] rows).
D2ACE_KERNEL void update_rows(const DynamicsView& v, const int64_t* batch, const float* p,
                              const float* l, int64_t begin, int64_t end) {
  const int64_t q = v.q, T = v.T;
  const size_t window_bytes = static_cast<size_t>(T * q) * (v.bits ? 1 : sizeof(float));
  for (int64_t k = begin; k < end; ++k) {  // every row's state first, all misses at once
    const int64_t i = batch[k];
    prefetch_lines(v.visits + i, sizeof(int64_t));
    if (v.rows) prefetch_lines(v.rows + i * v.W, static_cast<size_t>(v.W) * sizeof(float));
    if (v.window) prefetch_lines(v.window + i * T * q, window_bytes);
    if (v.bit_window) prefetch_lines(v.bit_window + i * T * q, window_bytes);
    if (v.window_sum) prefetch_lines(v.window_sum + i * q, static_cast<size_t>(q) * sizeof(float));
  }
  for (int64_t k = begin; k < end; ++k) {
    const int64_t i = batch[k], seen = v.visits[i];
    const float* pk = p ? p + k * q : nullptr;
    float* row = v.rows ? v.rows + i * v.W : nullptr;
    if (T > 0 && v.bits) {
      bit_step(pk, v.bit_window + (i * T + seen % T) * q, v.window_sum + i * q, q, v.bit_threshold);
    } else if (T > 0) {
      float* oldest = v.window + (i * T + seen % T) * q;
      window_step(pk, v.window + (i * T + (seen + T - 1) % T) * q, oldest,
                  v.window + (i * T + (seen + 1) % T) * q, row + v.change * q,
                  v.flip >= 0 ? row + v.flip * q : nullptr, q, T, seen >= 1 ? 1.0f : 0.0f,
                  seen >= T ? 1.0f : 0.0f, v.rate, v.keep);
      std::copy(pk, pk + q, oldest);  // the oldest slot takes the newest entry
    }
    if (v.loss >= 0) std::copy(l + k * q, l + (k + 1) * q, row + v.loss * q);
    v.visits[i] = seen + 1;
  }
}

}  // namespace

void TrainingDynamics::update(const torch::Tensor& idx, const torch::Tensor& probabilities,
                              const torch::Tensor& losses) {
  if (fusable(torch::kLong, {visits_, idx}) && fusable(torch::kFloat, {probabilities, losses}))
    update_fused(idx, probabilities, losses);
  else
    update_reference(idx, probabilities, losses);
}

void TrainingDynamics::update_fused(const torch::Tensor& idx_in, const torch::Tensor& p_in,
                                    const torch::Tensor& l_in) {
  const torch::Tensor idx = idx_in.contiguous();
  const bool window = options_.window > 0, bits = options_.store_bits;
  TORCH_CHECK(!window || p_in.defined(), "the window needs probabilities");
  TORCH_CHECK(loss_ < 0 || l_in.defined(), "loss tracking needs losses");
  const torch::Tensor p = window ? p_in.contiguous() : torch::Tensor();
  const torch::Tensor l = loss_ >= 0 ? l_in.contiguous() : torch::Tensor();
  const double a = options_.flip_alpha;
  DynamicsView v{q_,
                 options_.window,
                 rows_.defined() ? rows_.size(1) : 0,
                 change_,
                 flip_,
                 loss_,
                 bits,
                 static_cast<float>(options_.bit_threshold),
                 static_cast<float>(1.0 - a),
                 static_cast<float>(a),
                 visits_.data_ptr<int64_t>(),
                 window && !bits ? window_.data_ptr<float>() : nullptr,
                 window && bits ? window_.data_ptr<uint8_t>() : nullptr,
                 window_sum_.defined() ? window_sum_.data_ptr<float>() : nullptr,
                 rows_.defined() ? rows_.data_ptr<float>() : nullptr};
  const int64_t* batch = idx.data_ptr<int64_t>();
  const float* pp = p.defined() ? p.data_ptr<float>() : nullptr;
  const float* lp = l.defined() ? l.data_ptr<float>() : nullptr;
  // Rows are independent (distinct indices); a grain of ~32k entries keeps small batches serial.
  const int64_t grain = rows_for(32768, q_ * (1 + v.T));
  at::parallel_for(0, idx.size(0), grain,
                   [&](int64_t begin, int64_t end) { update_rows(v, batch, pp, lp, begin, end); });
}

void TrainingDynamics::update_reference(const torch::Tensor& idx,
                                        const torch::Tensor& probabilities,
                                        const torch::Tensor& losses) {
  const int64_t T = options_.window, q = q_, b = idx.size(0);
  auto as_float = [](const torch::Tensor& t) {
    return t.scalar_type() == torch::kFloat ? t : t.to(torch::kFloat);
  };
  std::vector<torch::Tensor> parts;  // the new rows of rows_, block by block
  if (T > 0) {
    // The ring as [N T, q] rows: slot s of instance i is row i T + s. The slot written now holds
    // the oldest entry (a zero until the window is full).
    torch::Tensor ring = window_.view({-1, q});
    torch::Tensor seen = visits_.index_select(0, idx);  // visits before this one
    torch::Tensor base = (idx * T).unsqueeze(1);
    if (options_.store_bits) {
      torch::Tensor slot = seen.remainder(T).add_(base.squeeze(1));
      torch::Tensor entry = probabilities >= options_.bit_threshold;
      put_rows(window_sum_, idx,
               window_sum_.index_select(0, idx).add_(entry).sub_(ring.index_select(0, slot)));
      put_rows(ring, slot, entry.to(torch::kByte));
    } else {
      // Rows of the newest, the oldest and the second oldest entries, gathered at once.
      torch::Tensor slots = (seen.unsqueeze(1) + ring_offsets_).remainder_(T).add_(base);
      torch::Tensor w = ring.index_select(0, slots.flatten()).view({b, 3, q});
      torch::Tensor r = rows_.index_select(0, idx);  // [b, W]: change sum, flip, loss
      torch::Tensor p = as_float(probabilities);
      torch::Tensor change = (p - w.select(1, 0)).abs_().mul_((seen >= 1).unsqueeze(1));
      torch::Tensor sum = r.narrow(1, change_ * q, q).add(change);
      if (T >= 2)  // the pair (oldest, second oldest) leaves the window once it is full
        sum.sub_((w.select(1, 2) - w.select(1, 1)).abs_().mul_((seen >= T).unsqueeze(1)));
      else  // a one-entry window holds no pair
        sum.zero_();
      parts.push_back(sum);
      if (flip_ >= 0) {
        const double a = options_.flip_alpha;
        parts.push_back(r.narrow(1, flip_ * q, q).mul(1.0 - a).add_(change, a));
      }
      put_rows(ring, slots.select(1, 1), p);
    }
  }
  if (loss_ >= 0) parts.push_back(as_float(losses));
  if (!parts.empty()) put_rows(rows_, idx, parts.size() == 1 ? parts[0] : torch::cat(parts, 1));
  visits_.index_add_(0, idx, torch::ones_like(idx));
}

torch::Tensor TrainingDynamics::last_loss() const {
  TORCH_CHECK(loss_ >= 0, "losses are not tracked");
  return block(loss_);
}

torch::Tensor TrainingDynamics::flip_ema() const {
  TORCH_CHECK(flip_ >= 0, "flips are not tracked");
  return block(flip_);
}

torch::Tensor TrainingDynamics::filled() const { return visits_.clamp_max(options_.window); }

torch::Tensor TrainingDynamics::latest() const {
  const int64_t T = options_.window;
  TORCH_CHECK(T > 0, "no window kept");
  // Slot (visits - 1) mod T of each row; for an instance never visited that is slot T - 1, still 0.
  torch::Tensor row = torch::arange(visits_.size(0), visits_.options())
                          .mul_(T)
                          .add_((visits_ + (T - 1)).remainder_(T));
  return window_.view({-1, q_}).index_select(0, row).to(torch::kFloat);
}

torch::Tensor TrainingDynamics::fluctuation() const {
  TORCH_CHECK(change_ >= 0, "fluctuation needs a probability window");
  torch::Tensor pairs = (filled() - 1).clamp_min(1).unsqueeze(1).to(torch::kFloat);
  return block(change_).clamp_min(0).div_(
      pairs);  // the running sum may dip a rounding error below 0
}

torch::Tensor TrainingDynamics::window_mean() const {
  TORCH_CHECK(window_sum_.defined(), "window_mean needs a bit window");
  return window_sum_ / filled().clamp_min(1).unsqueeze(1).to(torch::kFloat);
}

torch::Tensor binary_entropy_bits(const torch::Tensor& p) {
  // p ln max(p, tiny): exactly 0 at p = 0 (0 times a finite number), so H(0) = H(1) = 0; the
  // natural log (faster than log2 here) is turned into bits by the final factor. In place where
  // possible: at corel5k's size every fresh [N, q] tensor costs page faults.
  constexpr double kTiny = 1e-30;
  torch::Tensor q = 1 - p;
  torch::Tensor h = p.clamp_min(kTiny).log_().mul_(p);
  return h.addcmul_(q, q.clamp_min(kTiny).log_()).mul_(-1.0 / std::log(2.0));
}

namespace {

// The fused uncertainty, row by row: first the entropy's log arguments max(p, tiny) and
// max(1 - p, tiny) of each row's newest prediction p; then, once they are logs,
// u = λ fluctuation + (1 - λ) H2(p) with H2 = -(p ln p' + (1 - p) ln (1 - p)') / ln 2, in the
// reference's order of operations.
constexpr float kEntropyTiny = 1e-30f;  // binary_entropy_bits' floor

struct UncertaintyView {
  const float* window;  // [N, T, q]
  const float* change;  // the change sums, rows `stride` apart
  int64_t stride;
  const int64_t* visits;
  int64_t T, q;
  float lambda;
  float* out;  // [N, q]

  const float* newest(int64_t i) const { return window + (i * T + (visits[i] + T - 1) % T) * q; }
};

D2ACE_INLINE void entropy_arguments(const float* __restrict p, float* __restrict a,
                                    float* __restrict b, int64_t q) {
  for (int64_t j = 0; j < q; ++j) {
    a[j] = std::max(p[j], kEntropyTiny);
    b[j] = std::max(1.0f - p[j], kEntropyTiny);
  }
}

D2ACE_INLINE void uncertainty_row(const UncertaintyView& v, int64_t i,
                                  const float* __restrict log_p, const float* __restrict log_r) {
  // Locals, not reads through `v`, which the stores to u might alias: what lets the loop vectorise.
  const float to_bits = static_cast<float>(-1.0 / std::log(2.0)), lambda = v.lambda,
              keep = 1.0f - lambda;
  const int64_t q = v.q, seen = v.visits[i];
  const float* __restrict p = v.newest(i);
  const float* __restrict sum = v.change + i * v.stride;
  const float pairs = static_cast<float>(std::max<int64_t>(std::min(seen, v.T) - 1, 1));
  float* __restrict u = v.out + i * q;
  for (int64_t j = 0; j < q; ++j) {
    const float h = (log_p[j] * p[j] + (1.0f - p[j]) * log_r[j]) * to_bits;
    u[j] = std::fma(std::max(sum[j], 0.0f) / pairs, lambda, h * keep);
  }
}

// With SLEEF (vector_math.h), one pass: the logs of a block of rows at a time (kMathBlock
// entries, or one row) in a buffer.
D2ACE_KERNEL void uncertainty_rows_simd(const UncertaintyView& v, int64_t begin, int64_t end) {
  const int64_t q = v.q, rows = rows_for(kMathBlock, q);
  std::vector<float> logs(static_cast<size_t>(2 * rows * q));
  for_each_row_block(begin, end, rows, [&](int64_t first, int64_t last) {
    const int64_t m = last - first;
    float* a = logs.data();
    float* b = logs.data() + m * q;
    for (int64_t r = 0; r < m; ++r) entropy_arguments(v.newest(first + r), a + r * q, b + r * q, q);
    log_floats(a, a, 2 * m * q);
    for (int64_t r = 0; r < m; ++r) uncertainty_row(v, first + r, a + r * q, b + r * q);
  });
}

// Without: two passes around one ATen log_ over logs = [2, N, q].
D2ACE_KERNEL void entropy_argument_rows(const UncertaintyView& v, int64_t n, float* logs,
                                        int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i)
    entropy_arguments(v.newest(i), logs + i * v.q, logs + (n + i) * v.q, v.q);
}

D2ACE_KERNEL void uncertainty_rows(const UncertaintyView& v, int64_t n, const float* logs,
                                   int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) uncertainty_row(v, i, logs + i * v.q, logs + (n + i) * v.q);
}

}  // namespace

torch::Tensor windowed_uncertainty(const TrainingDynamics& dynamics, double lambda) {
  const torch::Tensor& window = dynamics.window();
  if (!fusable(torch::kFloat, {window})) return windowed_uncertainty_reference(dynamics, lambda);
  const torch::Tensor change = dynamics.change_sum();  // a strided view of the state rows
  const int64_t n = window.size(0), T = window.size(1), q = window.size(2);
  torch::Tensor out = torch::empty({n, q}, window.options());
  const UncertaintyView v{window.data_ptr<float>(),
                          change.data_ptr<float>(),
                          change.stride(0),
                          dynamics.visits().data_ptr<int64_t>(),
                          T,
                          q,
                          static_cast<float>(lambda),
                          out.data_ptr<float>()};
  const int64_t grain = rows_for(kRowGrain, q);
  if (simd_math_available()) {
    at::parallel_for(0, n, grain,
                     [&](int64_t begin, int64_t end) { uncertainty_rows_simd(v, begin, end); });
    return out;
  }
  torch::Tensor logs = torch::empty({2, n, q}, window.options());
  float* l = logs.data_ptr<float>();
  at::parallel_for(0, n, grain,
                   [&](int64_t begin, int64_t end) { entropy_argument_rows(v, n, l, begin, end); });
  logs.log_();
  at::parallel_for(0, n, grain,
                   [&](int64_t begin, int64_t end) { uncertainty_rows(v, n, l, begin, end); });
  return out;
}

torch::Tensor windowed_uncertainty_reference(const TrainingDynamics& dynamics, double lambda) {
  return binary_entropy_bits(dynamics.latest())
      .mul_(1.0 - lambda)
      .add_(dynamics.fluctuation(), lambda);
}

}  // namespace d2ace

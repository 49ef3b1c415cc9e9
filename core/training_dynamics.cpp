#include "core/training_dynamics.h"

#include <ATen/ATen.h>

#include <cmath>

namespace d2ace {

TrainingDynamics::TrainingDynamics(int64_t n, int64_t q, DynamicsOptions options, torch::Device device)
    : options_(options) {
  TORCH_CHECK(options.window >= 0, "window must be >= 0");
  TORCH_CHECK(!options.track_flips || (options.window >= 1 && !options.store_bits),
              "flips need a probability window");
  auto f = torch::TensorOptions().dtype(torch::kFloat).device(device);
  visits_ = torch::zeros({n}, f.dtype(torch::kLong));
  if (options.window > 0) {
    window_ = torch::zeros({n, options.window, q}, f.dtype(options.store_bits ? torch::kByte : torch::kFloat));
    if (options.store_bits) window_sum_ = torch::zeros({n, q}, f);
    else change_sum_ = torch::zeros({n, q}, f);
  }
  if (options.track_loss) last_loss_ = torch::full({n, q}, options.initial_loss, f);
  if (options.track_flips) flip_ = torch::zeros({n, q}, f);
}

void TrainingDynamics::update(const torch::Tensor& idx, const torch::Tensor& probabilities,
                              const torch::Tensor& losses) {
  const int64_t T = options_.window;
  if (T > 0) {
    // The window as [N T, q] rows: slot s of instance i is row i T + s (contiguous row gathers).
    torch::Tensor rows_of = window_.view({-1, window_.size(2)});
    torch::Tensor seen = visits_.index_select(0, idx);  // visits before this one
    torch::Tensor base = idx * T;
    torch::Tensor slot = seen.remainder(T);
    torch::Tensor row = base + slot;
    torch::Tensor evicts = (seen >= T).unsqueeze(1).to(torch::kFloat);  // row holds the oldest entry
    if (options_.store_bits) {
      torch::Tensor entry = (probabilities >= options_.bit_threshold).to(torch::kFloat);
      torch::Tensor oldest = rows_of.index_select(0, row).to(torch::kFloat);
      window_sum_.index_copy_(0, idx, window_sum_.index_select(0, idx).add_(entry).sub_(oldest.mul_(evicts)));
      rows_of.index_copy_(0, row, entry.to(torch::kByte));
    } else {
      torch::Tensor p = probabilities.to(torch::kFloat);
      torch::Tensor prev = rows_of.index_select(0, base + (slot + (T - 1)).remainder(T));
      torch::Tensor change = (p - prev).abs_().mul_((seen >= 1).unsqueeze(1).to(torch::kFloat));
      torch::Tensor sum = change_sum_.index_select(0, idx).add_(change);
      if (T >= 2) {  // the oldest entry leaves with its pair (oldest, second oldest)
        torch::Tensor oldest = rows_of.index_select(0, row);
        torch::Tensor second = rows_of.index_select(0, base + (slot + 1).remainder(T));
        sum.sub_(second.sub_(oldest).abs_().mul_(evicts));
      }
      change_sum_.index_copy_(0, idx, sum);
      if (options_.track_flips) {
        const double a = options_.flip_alpha;
        flip_.index_copy_(0, idx, flip_.index_select(0, idx).mul_(1.0 - a).add_(change, a));
      }
      rows_of.index_copy_(0, row, p);
    }
  }
  if (options_.track_loss) last_loss_.index_copy_(0, idx, losses.to(torch::kFloat));
  visits_.index_add_(0, idx, torch::ones_like(idx));
}

torch::Tensor TrainingDynamics::filled() const { return visits_.clamp_max(options_.window); }

torch::Tensor TrainingDynamics::latest() const {
  const int64_t T = options_.window;
  TORCH_CHECK(T > 0, "no window kept");
  torch::Tensor row = torch::arange(visits_.size(0), visits_.options()) * T + (visits_ - 1).remainder(T);
  torch::Tensor last = window_.view({-1, window_.size(2)}).index_select(0, row).to(torch::kFloat);
  return last.mul_((visits_ > 0).unsqueeze(1).to(torch::kFloat));
}

torch::Tensor TrainingDynamics::fluctuation() const {
  TORCH_CHECK(options_.window > 0 && !options_.store_bits, "fluctuation needs a probability window");
  torch::Tensor pairs = (filled() - 1).clamp_min(1).unsqueeze(1).to(torch::kFloat);
  return change_sum_.clamp_min(0) / pairs;  // the running sum may dip a rounding error below 0
}

torch::Tensor TrainingDynamics::window_mean() const {
  TORCH_CHECK(options_.window > 0 && options_.store_bits, "window_mean needs a bit window");
  return window_sum_ / filled().clamp_min(1).unsqueeze(1).to(torch::kFloat);
}

torch::Tensor binary_entropy_bits(const torch::Tensor& p) {
  // p log2 max(p, tiny): exactly 0 at p = 0 (0 times a finite number), so H(0) = H(1) = 0.
  constexpr double kTiny = 1e-30;
  torch::Tensor q = 1 - p;
  torch::Tensor h = p * p.clamp_min(kTiny).log2() + q * q.clamp_min(kTiny).log2();
  return h.neg_();
}

torch::Tensor windowed_uncertainty(const TrainingDynamics& dynamics, double lambda) {
  return binary_entropy_bits(dynamics.latest()).mul_(1.0 - lambda).add_(dynamics.fluctuation(), lambda);
}

}  // namespace d2ace

#include "datasets/splits.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"
#include "core/seeds.h"

namespace d2ace {
namespace {

// Index of the maximum of `key`, ties broken by `second` (larger wins) then uniformly at random.
template <class Key, class Second>
int64_t argmax_ties(int64_t size, Key key, Second second, std::mt19937_64& rng) {
  std::vector<int64_t> best;
  for (int64_t f = 0; f < size; ++f) {
    if (best.empty() || key(f) > key(best[0]) ||
        (key(f) == key(best[0]) && second(f) > second(best[0]))) {
      best.assign(1, f);
    } else if (key(f) == key(best[0]) && second(f) == second(best[0])) {
      best.push_back(f);
    }
  }
  if (best.size() == 1) return best[0];
  return best[std::uniform_int_distribution<size_t>(0, best.size() - 1)(rng)];
}

}  // namespace

std::vector<int64_t> iterative_stratification(const torch::Tensor& Y, int64_t k, uint64_t seed) {
  const int64_t n = Y.size(0), q = Y.size(1);
  if (k < 2) throw InputError("--folds must be at least 2, got " + std::to_string(k));
  if (n < k)
    throw InputError("cannot cut " + std::to_string(n) + " instances into " + std::to_string(k) +
                     " folds");
  std::mt19937_64 rng(seed);
  torch::Tensor yc = Y.to(torch::kCPU, torch::kFloat).contiguous();
  const float* y = yc.data_ptr<float>();

  // Instances visited in a seeded random order; per label, its instances in that order.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::vector<int64_t>> with_label(q);
  std::vector<std::vector<int64_t>> labels_of(n);
  for (int64_t i : order)
    for (int64_t j = 0; j < q; ++j)
      if (y[i * q + j] > 0.5f) with_label[j].push_back(i), labels_of[i].push_back(j);

  std::vector<double> want(k, static_cast<double>(n) / k);  // instances each fold still wants
  std::vector<std::vector<double>> want_label(k, std::vector<double>(q));
  std::vector<int64_t> remaining(q);
  for (int64_t j = 0; j < q; ++j) {
    remaining[j] = static_cast<int64_t>(with_label[j].size());
    for (int64_t f = 0; f < k; ++f) want_label[f][j] = static_cast<double>(remaining[j]) / k;
  }
  std::vector<int64_t> fold(n, -1);
  auto assign = [&](int64_t i, int64_t f) {
    fold[i] = f;
    want[f] -= 1;
    for (int64_t j : labels_of[i]) want_label[f][j] -= 1, remaining[j] -= 1;
  };
  while (true) {
    // The rarest label among unassigned instances (ties: random).
    int64_t label = -1;
    std::vector<int64_t> rarest;
    for (int64_t j = 0; j < q; ++j) {
      if (remaining[j] <= 0) continue;
      if (rarest.empty() || remaining[j] < remaining[rarest[0]])
        rarest.assign(1, j);
      else if (remaining[j] == remaining[rarest[0]])
        rarest.push_back(j);
    }
    if (rarest.empty()) break;
    label = rarest.size() == 1
                ? rarest[0]
                : rarest[std::uniform_int_distribution<size_t>(0, rarest.size() - 1)(rng)];
    for (int64_t i : with_label[label]) {
      if (fold[i] >= 0) continue;
      int64_t f = argmax_ties(
          k, [&](int64_t g) { return want_label[g][label]; }, [&](int64_t g) { return want[g]; },
          rng);
      assign(i, f);
    }
  }
  for (int64_t i : order) {
    if (fold[i] >= 0) continue;
    int64_t f = argmax_ties(
        k, [&](int64_t g) { return want[g]; }, [](int64_t) { return 0.0; }, rng);
    assign(i, f);
  }
  return fold;
}

std::vector<Split> make_splits(const Dataset& data, const SplitSpec& spec) {
  const int64_t n = data.rows();
  if (!(spec.validation_fraction >= 0.0 && spec.validation_fraction < 1.0))
    throw InputError("validation fraction must be in [0, 1), got " +
                     std::to_string(spec.validation_fraction));
  std::vector<int64_t> part(n);  // test part of each row: fold id, or 1 = official test
  int64_t parts = 1;
  if (spec.mode == SplitMode::kOfficial) {
    if (!data.has_official_split())
      throw InputError("dataset '" + data.name +
                       "' has no official train/test split; use --split kfold");
    for (int64_t i = 0; i < n; ++i) part[i] = i < data.official_train_rows ? -1 : 0;
  } else {
    part = iterative_stratification(data.Y, spec.folds, spec.seed);
    parts = spec.folds;
  }
  auto tensor = [](const std::vector<int64_t>& v) {
    return torch::tensor(v, torch::TensorOptions().dtype(torch::kLong));
  };
  std::vector<Split> splits;
  for (int64_t f = 0; f < parts; ++f) {
    std::vector<int64_t> train, test;
    for (int64_t i = 0; i < n; ++i) (part[i] == f ? test : train).push_back(i);
    // Validation: a seeded random subset of the training part (the reference's random_split).
    std::mt19937_64 rng(derive_seed(spec.validation_seed, {"fold", std::to_string(f)}));
    std::shuffle(train.begin(), train.end(), rng);
    const int64_t n_train = static_cast<int64_t>(train.size());
    int64_t n_val =
        n_train - static_cast<int64_t>(std::floor(n_train * (1.0 - spec.validation_fraction)));
    if (spec.validation_fraction > 0 && n_val < 1) n_val = 1;
    if (n_train - n_val < 1 || test.empty())
      throw InputError("dataset '" + data.name + "' (" + std::to_string(n) +
                       " instances) is too small for this split");
    std::vector<int64_t> val(train.begin(), train.begin() + n_val);
    train.erase(train.begin(), train.begin() + n_val);
    std::sort(train.begin(), train.end());
    std::sort(val.begin(), val.end());
    splits.push_back(
        {tensor(train), val.empty() ? torch::empty({0}, torch::kLong) : tensor(val), tensor(test)});
  }
  return splits;
}

Scaling parse_scaling(const std::string& name) {
  if (name == "minmax") return Scaling::kMinMax;
  if (name == "standard") return Scaling::kStandard;
  if (name == "none") return Scaling::kNone;
  throw InputError("unknown scaling '" + name + "' (expected minmax, standard or none)");
}

const char* to_string(Scaling s) {
  return s == Scaling::kMinMax ? "minmax" : s == Scaling::kStandard ? "standard" : "none";
}

Scaler fit_scaler(Scaling scaling, const torch::Tensor& X) {
  const int64_t d = X.size(1);
  Scaler s{torch::zeros({d}, X.options()), torch::ones({d}, X.options())};
  if (scaling == Scaling::kMinMax) {
    torch::Tensor lo = std::get<0>(X.min(0)), hi = std::get<0>(X.max(0));
    torch::Tensor range = hi - lo;
    s.shift = lo;
    s.scale = torch::where(range > 0, range, torch::ones_like(range));
  } else if (scaling == Scaling::kStandard) {
    torch::Tensor sd = X.std(0, /*unbiased=*/false);
    s.shift = X.mean(0);
    s.scale = torch::where(sd > 0, sd, torch::ones_like(sd));
  }
  return s;
}

Dataset prune_rare_labels(const Dataset& data, int64_t max_positives) {
  torch::Tensor keep = (data.Y.sum(0) > static_cast<double>(max_positives)).nonzero().flatten();
  Dataset out = data;
  const int64_t dropped = data.labels() - keep.size(0);
  if (dropped == 0) return out;
  if (keep.size(0) == 0)
    throw InputError("dataset '" + data.name + "': every label has at most " +
                     std::to_string(max_positives) + " positives; nothing left to learn");
  out.Y = data.Y.index_select(1, keep).contiguous();
  out.label_names.clear();
  auto kept = keep.accessor<int64_t, 1>();
  for (int64_t j = 0; j < kept.size(0); ++j) out.label_names.push_back(data.label_names[kept[j]]);
  out.notices.push_back("dropped " + std::to_string(dropped) + " labels with at most " +
                        std::to_string(max_positives) + " positives");
  return out;
}

Dataset drop_unlabelled_instances(const Dataset& data) {
  torch::Tensor has = data.Y.sum(1) > 0;
  const int64_t dropped = data.rows() - has.sum().item<int64_t>();
  if (dropped == 0) return data;
  torch::Tensor keep = has.nonzero().flatten();
  Dataset out = take_rows(data, keep);
  if (data.has_official_split())  // rows stay in order, so the boundary moves by the dropped train
                                  // rows
    out.official_train_rows = has.slice(0, 0, data.official_train_rows).sum().item<int64_t>();
  out.notices.push_back("dropped " + std::to_string(dropped) + " instances without labels");
  return out;
}

}  // namespace d2ace

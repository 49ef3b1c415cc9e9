#include "datasets/splits.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <string>

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

namespace {

torch::Tensor index_tensor(const std::vector<int64_t>& v) {
  return v.empty() ? torch::empty({0}, torch::kLong)
                   : torch::tensor(v, torch::TensorOptions().dtype(torch::kLong));
}

// Fold f's split from its test rows and the rest: the validation part is a seeded random subset
// of the rest (the reference's random_split), unless `validation` gives it. Parts sorted.
Split hold_out(std::vector<int64_t> rest, std::vector<int64_t> test,
               const std::vector<int64_t>* validation, const SplitSpec& spec, int64_t fold,
               const Dataset& data) {
  std::vector<int64_t> val;
  if (validation) {
    val = *validation;
  } else {
    std::mt19937_64 rng(derive_seed(spec.validation_seed, {"fold", std::to_string(fold)}));
    std::shuffle(rest.begin(), rest.end(), rng);
    const auto n_rest = static_cast<int64_t>(rest.size());
    int64_t n_val =
        n_rest - static_cast<int64_t>(std::floor(n_rest * (1.0 - spec.validation_fraction)));
    if (spec.validation_fraction > 0 && n_val < 1) n_val = 1;
    n_val = std::min(n_val, n_rest);
    val.assign(rest.begin(), rest.begin() + n_val);
    rest.erase(rest.begin(), rest.begin() + n_val);
  }
  if (rest.empty() || test.empty())
    throw InputError(
        (spec.file ? spec.file->path + ": fold " + std::to_string(fold) + ": " : std::string()) +
        "dataset '" + data.name + "' (" + std::to_string(data.rows()) +
        " instances) is too small for this split: " +
        (test.empty() ? "a test part is empty" : "no training row is left"));
  std::sort(rest.begin(), rest.end());
  std::sort(val.begin(), val.end());
  std::sort(test.begin(), test.end());
  return {index_tensor(rest), index_tensor(val), index_tensor(test)};
}

// The file's folds over the current rows (see make_splits).
std::vector<Split> file_splits(const Dataset& data, const SplitSpec& spec) {
  const SplitFile& file = *spec.file;
  const int64_t n = data.rows();
  const int64_t read = spec.rows_read >= 0 ? spec.rows_read : n;
  std::vector<int64_t> current(static_cast<size_t>(read), -1);  // row as read -> current row
  for (int64_t i = 0; i < n; ++i)
    current[static_cast<size_t>(spec.source_rows.empty() ? i : spec.source_rows[i])] = i;
  std::vector<Split> splits;
  for (size_t f = 0; f < file.folds.size(); ++f) {
    const SplitFile::Fold& fold = file.folds[f];
    const std::string where = file.path + ": fold " + std::to_string(f) + ": ";
    std::vector<int> part(static_cast<size_t>(read), 0);  // 0 train, 1 test, 2 validation
    auto place = [&](const std::vector<int64_t>& rows, int which, const char* name,
                     std::vector<int64_t>& out) {
      for (int64_t r : rows) {
        if (r >= read)
          throw InputError(where + name + " row " + std::to_string(r) + " is out of range (" +
                           data.name + " has " + std::to_string(read) + " rows, 0.." +
                           std::to_string(read - 1) + ")");
        int& p = part[static_cast<size_t>(r)];
        if (p != 0)
          throw InputError(where + "row " + std::to_string(r) + " is listed " +
                           (p == which ? std::string("twice in ") + name
                                       : std::string("in both test and validation")));
        p = which;
        if (current[static_cast<size_t>(r)] >= 0) out.push_back(current[static_cast<size_t>(r)]);
      }
    };
    std::vector<int64_t> test, validation, rest;
    place(fold.test, 1, "test", test);
    if (fold.has_validation) place(fold.validation, 2, "validation", validation);
    if (test.empty())
      throw InputError(where + "no test row is left (every listed row was dropped)");
    for (int64_t r = 0; r < read; ++r)
      if (part[static_cast<size_t>(r)] == 0 && current[static_cast<size_t>(r)] >= 0)
        rest.push_back(current[static_cast<size_t>(r)]);
    splits.push_back(hold_out(std::move(rest), std::move(test),
                              fold.has_validation ? &validation : nullptr, spec,
                              static_cast<int64_t>(f), data));
  }
  return splits;
}

}  // namespace

std::vector<Split> make_splits(const Dataset& data, const SplitSpec& spec) {
  const int64_t n = data.rows();
  if (!(spec.validation_fraction >= 0.0 && spec.validation_fraction < 1.0))
    throw InputError("validation fraction must be in [0, 1), got " +
                     std::to_string(spec.validation_fraction));
  if (spec.mode == SplitMode::kFile) return file_splits(data, spec);
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
  std::vector<Split> splits;
  for (int64_t f = 0; f < parts; ++f) {
    std::vector<int64_t> train, test;
    for (int64_t i = 0; i < n; ++i) (part[i] == f ? test : train).push_back(i);
    splits.push_back(hold_out(std::move(train), std::move(test), nullptr, spec, f, data));
  }
  return splits;
}

SplitFile read_split_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the split file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  SplitFile file;
  file.path = path;
  char digest[17];
  std::snprintf(digest, sizeof digest, "%016llx",
                static_cast<unsigned long long>(derive_seed(0x5eed, {text})));
  file.digest = digest;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not valid JSON (" + std::string(e.what()).substr(0, 120) + ")");
  }
  const std::string shape =
      R"( (expected {"folds": [{"test": [rows], "validation": [rows]}, ...]}))";
  if (!doc.is_object() || !doc.contains("folds") || !doc["folds"].is_array() ||
      doc["folds"].empty())
    throw InputError(path + ": no non-empty \"folds\" array" + shape);
  auto rows = [&](const nlohmann::json& a, const std::string& where) {
    if (!a.is_array()) throw InputError(path + ": " + where + " is not an array" + shape);
    std::vector<int64_t> out;
    out.reserve(a.size());
    for (const auto& v : a) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0)
        throw InputError(path + ": " + where + " holds " + v.dump().substr(0, 40) +
                         ", not a row index (a non-negative integer)");
      out.push_back(v.get<int64_t>());
    }
    return out;
  };
  for (size_t f = 0; f < doc["folds"].size(); ++f) {
    const auto& fold = doc["folds"][f];
    const std::string where = "fold " + std::to_string(f);
    if (!fold.is_object() || !fold.contains("test"))
      throw InputError(path + ": " + where + " has no \"test\" array" + shape);
    SplitFile::Fold out;
    out.test = rows(fold["test"], where + " test");
    if (out.test.empty()) throw InputError(path + ": " + where + ": the test part is empty");
    if (fold.contains("validation")) {
      out.validation = rows(fold["validation"], where + " validation");
      out.has_validation = true;
    }
    file.folds.push_back(std::move(out));
  }
  return file;
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

int64_t first_unscalable_column(const Scaler& scaler, const torch::Tensor& column_min,
                                const torch::Tensor& column_max) {
  const torch::Tensor ok = torch::isfinite(scaler.shift) & torch::isfinite(scaler.scale) &
                           torch::isfinite(scaler.apply(column_min)) &
                           torch::isfinite(scaler.apply(column_max));
  const torch::Tensor bad = (~ok).nonzero();
  return bad.size(0) == 0 ? -1 : bad[0][0].item<int64_t>();
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

Dataset drop_unlabelled_instances(const Dataset& data, std::vector<int64_t>* kept_rows) {
  torch::Tensor has = data.Y.sum(1) > 0;
  const int64_t dropped = data.rows() - has.sum().item<int64_t>();
  torch::Tensor keep = has.nonzero().flatten();
  if (kept_rows)
    kept_rows->assign(keep.data_ptr<int64_t>(), keep.data_ptr<int64_t>() + keep.numel());
  if (dropped == 0) return data;
  Dataset out = take_rows(data, keep);
  if (data.has_official_split())  // rows stay in order, so the boundary moves by the dropped train
                                  // rows
    out.official_train_rows = has.slice(0, 0, data.official_train_rows).sum().item<int64_t>();
  out.notices.push_back("dropped " + std::to_string(dropped) + " instances without labels");
  return out;
}

}  // namespace d2ace

#include "datasets/synthetic.h"

#include <algorithm>
#include <map>
#include <random>

#include "core/error.h"
#include "core/params.h"

namespace d2ace {
namespace {

std::vector<double> random_simplex(std::mt19937_64& rng, int64_t size) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> p(size);
  double total = 0;
  for (auto& x : p) total += (x = u(rng));
  for (auto& x : p) x /= total;
  return p;
}

}  // namespace

bool is_synthetic_name(const std::string& name) {
  return name == "synthetic" || name.rfind("synthetic:", 0) == 0;
}

SyntheticSpec parse_synthetic_name(const std::string& name) {
  SyntheticSpec spec;
  const ParamSpecs specs = {
      {"n", std::to_string(spec.n), "instances"},
      {"d", std::to_string(spec.d), "features"},
      {"q", std::to_string(spec.q), "labels"},
      {"cardinality", "2.0", "mean labels per instance"},
      {"correlation", "0.5", "label correlation in [0,1]"},
      {"noise", "0.01", "label-flip probability"},
      {"length", std::to_string(spec.length), "mean words per instance"},
      {"seed", std::to_string(spec.seed), "generator seed"},
  };
  Params p("dataset 'synthetic'", specs, Params::parse_spec(name, "synthetic"));
  spec.n = p.get_int("n");
  spec.d = p.get_int("d");
  spec.q = p.get_int("q");
  spec.cardinality = p.get_double("cardinality");
  spec.correlation = p.get_double("correlation");
  spec.noise = p.get_double("noise");
  spec.length = p.get_int("length");
  spec.seed = static_cast<uint64_t>(p.get_int("seed"));
  if (spec.n < 10 || spec.d < 1 || spec.q < 1 || spec.cardinality <= 0 || spec.length < 1 ||
      spec.correlation < 0 || spec.correlation > 1 || spec.noise < 0 || spec.noise >= 1)
    throw InputError("dataset '" + name +
                     "': need n >= 10, d, q, length >= 1, cardinality > 0, "
                     "correlation in [0,1], noise in [0,1)");
  return spec;
}

Dataset make_synthetic(const SyntheticSpec& s) {
  std::mt19937_64 rng(s.seed);
  std::vector<double> prior = random_simplex(rng, s.q);
  std::vector<std::vector<double>> words(s.q);
  for (auto& w : words) w = random_simplex(rng, s.d);
  std::vector<std::discrete_distribution<int64_t>> word_of(s.q);
  for (int64_t j = 0; j < s.q; ++j)
    word_of[j] = std::discrete_distribution<int64_t>(words[j].begin(), words[j].end());

  std::poisson_distribution<int64_t> count_labels(s.cardinality),
      doc_length(static_cast<double>(s.length));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int64_t group = 3;
  torch::Tensor X = torch::zeros({s.n, s.d}, torch::kFloat);
  torch::Tensor Y = torch::zeros({s.n, s.q}, torch::kFloat);
  float* x = X.data_ptr<float>();
  float* y = Y.data_ptr<float>();
  for (int64_t i = 0; i < s.n; ++i) {
    int64_t k = 0;
    while (k == 0) k = std::min(count_labels(rng), s.q);
    std::vector<int64_t> chosen;
    std::vector<double> weight(prior);
    while (static_cast<int64_t>(chosen.size()) < k) {
      std::vector<int64_t> same_group;
      if (!chosen.empty() && u(rng) < s.correlation)
        for (int64_t c : chosen)
          for (int64_t j = c / group * group; j < std::min(s.q, c / group * group + group); ++j)
            if (weight[j] > 0) same_group.push_back(j);
      int64_t pick;
      if (!same_group.empty()) {
        pick = same_group[std::uniform_int_distribution<size_t>(0, same_group.size() - 1)(rng)];
      } else {
        pick = std::discrete_distribution<int64_t>(weight.begin(), weight.end())(rng);
      }
      chosen.push_back(pick);
      weight[pick] = 0.0;
    }
    int64_t words_here = doc_length(rng);
    for (int64_t w = 0; w < words_here; ++w) {
      int64_t label = chosen[std::uniform_int_distribution<size_t>(0, chosen.size() - 1)(rng)];
      x[i * s.d + word_of[label](rng)] += 1.0f;
    }
    for (int64_t c : chosen) y[i * s.q + c] = 1.0f;
  }
  if (s.noise > 0)
    for (int64_t e = 0; e < s.n * s.q; ++e)
      if (u(rng) < s.noise) y[e] = 1.0f - y[e];

  Dataset ds;
  ds.name = "synthetic";
  ds.X = X;
  ds.Y = Y;
  ds.feature_attributes = s.d;
  for (int64_t c = 0; c < s.d; ++c) ds.feature_names.push_back("word" + std::to_string(c));
  for (int64_t j = 0; j < s.q; ++j) ds.label_names.push_back("label" + std::to_string(j));
  return ds;
}

}  // namespace d2ace

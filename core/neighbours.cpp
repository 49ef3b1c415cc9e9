#include "core/neighbours.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "core/cpu_kernels.h"
#include "core/error.h"

namespace d2ace {

namespace {

// The dense search's per-row work after each block's float product: candidate selection, exact
// double distances of the candidates, ordering, and the certainty test (see the header).
struct DenseSearch {
  const float* X;        // [N, d] row-major
  const double* norms;   // exact squared norms of the float rows
  const float* norms_f;  // the same, rounded to float (what the float distances use)
  int64_t n, d, want, candidates;
  bool include_self;
  double bound_factor, max_norm;

  double exact(int64_t i, int64_t j) const {
    const double dot = dot_in_double(X + i * d, X + j * d, d);
    return std::max(0.0, (norms[i] + norms[j]) - 2.0 * dot);
  }
  double own(int64_t i, int64_t j) const {  // the instance itself: first, or never
    return i == j ? (include_self ? -1.0 : INFINITY) : exact(i, j);
  }

  // Row i's `want` nearest into out, from dots[j] = <x_i, x_j> (float) for every j.
  void row(int64_t i, const float* dots, int64_t* out, std::vector<float>& scratch,
           std::vector<std::pair<float, int64_t>>& heap,
           std::vector<std::pair<double, int64_t>>& exact_rows) const {
    // 1. The `candidates` smallest (float distance, index) pairs. The distances first (one
    //    vectorised pass), then a scan in index order: a row can only enter by being strictly
    //    nearer than the current c-th, one predictable test for almost every row; the kept list
    //    is cut back to c whenever it doubles.
    const int64_t c = candidates;
    const float ni = norms_f[i];
    float* __restrict dist = scratch.data();
    for (int64_t j = 0; j < n; ++j) dist[j] = (ni + norms_f[j]) + -2.0f * dots[j];
    dist[i] = include_self ? -1.0f : INFINITY;
    heap.clear();
    for (int64_t j = 0; j < c; ++j) heap.emplace_back(dist[j], j);
    auto cut = [&] {
      std::nth_element(heap.begin(), heap.begin() + (c - 1), heap.end());
      heap.resize(c);
      return heap[c - 1].first;  // the c-th smallest
    };
    float threshold = cut();
    for (int64_t j = c; j < n; ++j) {
      if (dist[j] < threshold) {
        heap.emplace_back(dist[j], j);
        if (static_cast<int64_t>(heap.size()) == 2 * c) threshold = cut();
      }
    }
    if (static_cast<int64_t>(heap.size()) > c) cut();
    float last = -INFINITY;  // the largest candidate float distance
    for (const auto& h : heap) last = std::max(last, h.first);
    // 2. Their exact distances, ordered by (distance, index).
    exact_rows.clear();
    for (const auto& [dist, j] : heap) exact_rows.emplace_back(own(i, j), j);
    std::sort(exact_rows.begin(), exact_rows.end());
    // 3. Certain unless an instance outside the candidates could be as near as the want-th.
    const double kth = exact_rows[want - 1].first;
    const double floor = static_cast<double>(last) - bound_factor * (norms[i] + max_norm);
    if (candidates < n && kth >= floor) {
      exact_rows.clear();
      for (int64_t j = 0; j < n; ++j) exact_rows.emplace_back(own(i, j), j);
      std::partial_sort(exact_rows.begin(), exact_rows.begin() + want, exact_rows.end());
    }
    for (int64_t r = 0; r < want; ++r) out[r] = exact_rows[r].second;
  }
};

// Runs work(part) for part in [0, parts) on as many threads, the calling one included.
template <class Work>
void on_threads(int64_t parts, Work work) {
  std::vector<std::thread> pool;
  for (int64_t part = 1; part < parts; ++part) pool.emplace_back(work, part);
  work(0);
  for (auto& t : pool) t.join();
}

// Two-valued columns (bag-of-words features, binary or after a per-column affine scaling): row i
// "has" column f when it holds the column's rarer value; w_f is the squared gap between the two.
// Then |x_i - x_j|^2 = W_i + W_j - 2 S_ij, with W_i the sum of w over row i's columns and S_ij over
// the columns both rows have: products of sparse rows through an inverted index, in
// sum over f of df_f^2 steps instead of N^2 d.
struct TwoValued {
  std::vector<int64_t> row_start, row_cols;  // CSR: the columns each row has
  std::vector<int64_t> col_start, col_rows;  // CSC: the rows having each column
  std::vector<double> w, W;                  // per column, per row
  double steps = 0;                          // sum of df^2
};

// The two-valued form of X [n, d] (row-major), or nothing when some column takes three values.
std::optional<TwoValued> two_valued(const float* X, int64_t n, int64_t d) {
  std::vector<float> first(X, X + d), second(d);
  std::vector<int64_t> seconds(d, 0);  // how many rows hold the second value
  for (int64_t i = 1; i < n; ++i)
    for (int64_t f = 0; f < d; ++f) {
      const float v = X[i * d + f];
      if (v == first[f]) continue;
      if (seconds[f] == 0)
        second[f] = v;
      else if (v != second[f])
        return std::nullopt;
      ++seconds[f];
    }
  TwoValued t;
  t.w.assign(d, 0.0);
  std::vector<float> rare(d);
  std::vector<int64_t> df(d, 0);
  for (int64_t f = 0; f < d; ++f) {
    if (seconds[f] == 0) continue;  // constant: no distance
    const bool second_rarer = 2 * seconds[f] <= n;
    rare[f] = second_rarer ? second[f] : first[f];
    df[f] = second_rarer ? seconds[f] : n - seconds[f];
    const double gap = static_cast<double>(second[f]) - static_cast<double>(first[f]);
    t.w[f] = gap * gap;
    t.steps += static_cast<double>(df[f]) * static_cast<double>(df[f]);
  }
  t.row_start.assign(1, 0);
  t.col_start.assign(d + 1, 0);
  for (int64_t f = 0; f < d; ++f) t.col_start[f + 1] = t.col_start[f] + df[f];
  t.col_rows.resize(t.col_start[d]);
  std::vector<int64_t> fill(t.col_start.begin(), t.col_start.end() - 1);
  t.W.assign(n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t f = 0; f < d; ++f)
      if (t.w[f] > 0 && X[i * d + f] == rare[f]) {
        t.row_cols.push_back(f);
        t.col_rows[fill[f]++] = i;
        t.W[i] += t.w[f];
      }
    t.row_start.push_back(static_cast<int64_t>(t.row_cols.size()));
  }
  return t;
}

// The exact search over a two-valued form: per row, the exact distance to every row sharing a
// column (an accumulator over the inverted lists), and for the others, d = W_i + W_j, the
// smallest W_j first (one global order by (W, index)).
torch::Tensor sparse_search(const TwoValued& t, int64_t n, int64_t want, bool include_self,
                            int threads) {
  std::vector<int64_t> by_weight(n);
  std::iota(by_weight.begin(), by_weight.end(), 0);
  std::stable_sort(by_weight.begin(), by_weight.end(),
                   [&](int64_t a, int64_t b) { return t.W[a] < t.W[b]; });
  torch::Tensor out = torch::empty({n, want}, torch::kLong);
  int64_t* o = out.data_ptr<int64_t>();
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(threads, n / 64));
  on_threads(workers, [&](int64_t part) {
    std::vector<double> shared(n, 0.0);
    std::vector<int64_t> touched;
    std::vector<std::pair<double, int64_t>> cand;
    const int64_t per = (n + workers - 1) / workers;
    for (int64_t i = part * per; i < std::min(n, (part + 1) * per); ++i) {
      touched.clear();
      for (int64_t e = t.row_start[i]; e < t.row_start[i + 1]; ++e) {
        const int64_t f = t.row_cols[e];
        for (int64_t r = t.col_start[f]; r < t.col_start[f + 1]; ++r) {
          const int64_t j = t.col_rows[r];
          if (shared[j] == 0.0) touched.push_back(j);
          shared[j] += t.w[f];
        }
      }
      cand.clear();
      if (include_self) cand.emplace_back(-1.0, i);
      for (int64_t j : touched)
        if (j != i) cand.emplace_back(std::max(0.0, (t.W[i] + t.W[j]) - 2.0 * shared[j]), j);
      // The nearest rows sharing nothing: enough of them to fill `want` on their own.
      int64_t extra = 0;
      for (int64_t r = 0; r < n && extra < want; ++r) {
        const int64_t j = by_weight[r];
        if (j == i || shared[j] != 0.0) continue;
        cand.emplace_back(t.W[i] + t.W[j], j);
        ++extra;
      }
      for (int64_t j : touched) shared[j] = 0.0;
      std::partial_sort(cand.begin(), cand.begin() + want, cand.end());
      for (int64_t r = 0; r < want; ++r) o[i * want + r] = cand[r].second;
    }
  });
  return out;
}

}  // namespace

torch::Tensor nearest_neighbours(const torch::Tensor& X_in, int64_t k, bool include_self,
                                 int64_t block_bytes, int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int64_t n = X_in.size(0), dims = X_in.size(1);
  const int64_t want = k + (include_self ? 1 : 0);
  if (k < 1 || k > n - 1)
    throw InputError("cannot find " + std::to_string(k) + " neighbours among " + std::to_string(n) +
                     " instances");
  const torch::Tensor X = X_in.to(torch::kCPU, torch::kFloat).contiguous();
  // Sparse two-valued data, when its products cost less than a sixteenth of the dense ones.
  if (auto t = two_valued(X.data_ptr<float>(), n, dims);
      t && t->steps < static_cast<double>(n) * static_cast<double>(n) * dims / 16)
    return sparse_search(*t, n, want, include_self, threads);
  std::vector<double> norms(n);
  std::vector<float> norms_f(n);
  const float* x = X.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t t = 0; t < dims; ++t) s += static_cast<double>(x[i * dims + t]) * x[i * dims + t];
    norms[i] = s;
    norms_f[i] = static_cast<float>(s);
  }
  // Float distances are off from the exact ones by at most c (|x_i|^2 + max_j |x_j|^2),
  // c = 2 (d + 4) u with u = 2^-24 (a d-term dot product, the norms rounded to float, the sum).
  const DenseSearch search{x,
                           norms.data(),
                           norms_f.data(),
                           n,
                           dims,
                           want,
                           std::min<int64_t>(n, want + 8),
                           include_self,
                           2.0 * static_cast<double>(dims + 4) * std::ldexp(1.0, -24),
                           *std::max_element(norms.begin(), norms.end())};
  torch::Tensor out = torch::empty({n, want}, torch::kLong);
  int64_t* o = out.data_ptr<int64_t>();
  const int64_t rows = std::max<int64_t>(1, block_bytes / (4 * n));
  for (int64_t start = 0; start < n; start += rows) {
    const int64_t end = std::min(n, start + rows);
    const torch::Tensor dots = X.slice(0, start, end).mm(X.t());  // sgemm, [b, N]
    const float* dp = dots.data_ptr<float>();
    // Rows are independent: split across `threads` (the result does not depend on how).
    const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(threads, (end - start) / 32));
    auto work = [&](int64_t part) {
      std::vector<float> scratch(n);
      std::vector<std::pair<float, int64_t>> heap;
      std::vector<std::pair<double, int64_t>> exact_rows;
      const int64_t per = (end - start + workers - 1) / workers;
      for (int64_t i = start + part * per; i < std::min(end, start + (part + 1) * per); ++i)
        search.row(i, dp + (i - start) * n, o + i * want, scratch, heap, exact_rows);
    };
    on_threads(workers, work);
  }
  return out;
}

}  // namespace d2ace

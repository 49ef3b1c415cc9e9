#include "bench/provenance.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/version.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>

#include "bench/allocator.h"
#include "bench/build_info.h"
#include "bench/process.h"

namespace d2ace {

namespace {
ThreadConfig g_threads;
}

ThreadConfig configure_threads(int threads, int intra_op_threads) {
  const int cores = core_count();
  g_threads.blas = threads > 0 ? threads : cores;
  g_threads.intra_op = intra_op_threads > 0 ? intra_op_threads : cores;
  at::set_num_threads(g_threads.intra_op);
  static bool interop_set = false;  // may be set once per process
  if (!interop_set) {
    at::set_num_interop_threads(1);
    interop_set = true;
  }
  at::mm(at::ones({2, 2}), at::ones({2, 2}));  // loads the BLAS
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set(g_threads.blas);
  return g_threads;
}

const ThreadConfig& thread_config() { return g_threads; }

std::string loaded_blas() {
  at::mm(at::ones({2, 2}), at::ones({2, 2}));
  std::ifstream maps("/proc/self/maps");
  std::string line, found;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    std::string file = path.substr(path.find_last_of('/') + 1);
    if (file.find("blas") != std::string::npos || file.find("mkl_rt") != std::string::npos) {
      found = path;
      if (path.find("openblas") != std::string::npos) break;
    }
  }
  if (found.empty()) return "unknown";
  std::string kind = found.find("openblas") != std::string::npos ? "openblas"
                     : found.find("blis") != std::string::npos   ? "blis"
                     : found.find("mkl") != std::string::npos    ? "mkl"
                     : found.find("atlas") != std::string::npos  ? "atlas"
                     : found.find("/blas/") != std::string::npos ? "reference"
                                                                 : "other";
  return kind + " (" + found + ")";
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

nlohmann::ordered_json provenance_json(const std::string& device) {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  nlohmann::ordered_json j;
  j["git_commit"] = build_git_commit();
  j["git_dirty"] = build_git_dirty();
  j["compiler"] = std::string("g++ ") + __VERSION__;
  j["libtorch"] = TORCH_VERSION;
  j["device"] = device;
  j["threads"] = thread_config().blas;
  j["intra_op_threads"] = at::get_num_threads();
  j["blas"] = loaded_blas();
  j["allocator"] = allocator_description();
  j["host"] = host;
  nlohmann::ordered_json slurm = nlohmann::ordered_json::object();
  for (const char* var : {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"})
    if (const char* v = std::getenv(var)) slurm[var] = v;
  j["slurm"] = slurm;
  return j;
}

}  // namespace d2ace

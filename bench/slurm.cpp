#include "bench/slurm.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"

namespace d2ace {
namespace fs = std::filesystem;

namespace {

// Single-quoted for the shell.
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void write_script(const fs::path& path, const std::string& text) {
  {
    std::ofstream f(path.string() + ".tmp");
    if (!(f << text)) throw std::runtime_error("cannot write " + path.string());
  }
  fs::rename(path.string() + ".tmp", path);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
}

std::string header(const SlurmOptions& o, const std::string& name, const fs::path& logs,
                   bool array) {
  std::string h = "#!/bin/bash\n";
  h += "#SBATCH --job-name=" + name + "\n";
  h += "#SBATCH --output=" + (logs / (array ? "%A_%a.out" : "%j.out")).string() + "\n";
  h += "#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_task) + "\n";
  if (!o.partition.empty()) h += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.time.empty()) h += "#SBATCH --time=" + o.time + "\n";
  if (!o.mem.empty()) h += "#SBATCH --mem=" + o.mem + "\n";
  if (!o.account.empty()) h += "#SBATCH --account=" + o.account + "\n";
  for (const auto& e : o.extra) h += "#SBATCH " + e + "\n";
  return h;
}

}  // namespace

std::string slurm_index_list(const std::vector<int64_t>& indices) {
  std::string s;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!s.empty()) s += ",";
    s += std::to_string(indices[i]);
    if (j > i) s += "-" + std::to_string(indices[j]);
    i = j + 1;
  }
  return s;
}

SlurmScripts write_slurm_scripts(const std::vector<MatrixCell>& cells,
                                 const std::vector<int64_t>& indices, const SlurmOptions& o) {
  if (o.max_array_size < 2) throw InputError("--max-array-size must be at least 2");
  if (o.cpus_per_task < 1) throw InputError("--cpus-per-task must be at least 1");
  const fs::path dir = fs::path(o.out) / "slurm", logs = dir / "logs";
  fs::create_directories(logs);
  // Arrays by offset: array K holds the cells whose index lies in [K M, (K + 1) M), M the largest
  // index count an array may have, so that every task id stays below MaxArraySize.
  const int64_t M = o.max_array_size - 1;
  std::map<int64_t, std::vector<int64_t>> by_array;
  for (int64_t i : indices) {
    if (i < 0 || i >= static_cast<int64_t>(cells.size()))
      throw std::logic_error("slurm: cell index out of range");
    by_array[i / M].push_back(i % M);
  }
  SlurmScripts s;
  s.tasks = static_cast<int64_t>(indices.size());
  int k = 0;
  for (const auto& [block, ids] : by_array) {
    const int64_t offset = block * M;
    std::string text = header(o, "d2ace-cells-" + std::to_string(k), logs, true);
    text += "#SBATCH --array=" + slurm_index_list(ids) + "\n";
    text += "# Matrix cells " + std::to_string(offset) + " + task id (of " +
            std::to_string(cells.size()) + ", in id order; see d2ace-bench matrix --dry-run).\n";
    text += "set -euo pipefail\n";
    text += "exec " + quote(o.executable) + " matrix " + quote(o.config) + " --out " +
            quote(o.out) + " --cell $((" + std::to_string(offset) +
            " + SLURM_ARRAY_TASK_ID)) --threads \"${SLURM_CPUS_PER_TASK:-" +
            std::to_string(o.cpus_per_task) + "}\" --quiet\n";
    const fs::path path = dir / ("cells-" + std::to_string(k) + ".sbatch");
    write_script(path, text);
    s.arrays.push_back(path.string());
    ++k;
  }
  // Scripts of an earlier, larger submission would be submitted again by mistake: remove them.
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("cells-", 0) == 0 && entry.path().extension() == ".sbatch" &&
        std::find(s.arrays.begin(), s.arrays.end(), entry.path().string()) == s.arrays.end())
      fs::remove(entry.path());
  }
  std::string merge = header(o, "d2ace-merge", logs, false);
  merge += "set -euo pipefail\n";
  merge += "exec " + quote(o.executable) + " merge " + quote(o.out) + " --quiet\n";
  s.merge = (dir / "merge.sbatch").string();
  write_script(s.merge, merge);

  std::string submit =
      "#!/bin/bash\n# Submits the cell arrays, then the merge job once all of them succeeded.\n";
  submit += "set -euo pipefail\ncd " + quote(dir.string()) + "\ndeps=\"\"\n";
  for (const auto& a : s.arrays) {
    submit += "id=$(sbatch --parsable \"$@\" " + quote(a) + ")\n";
    submit += "id=${id%%;*}\necho \"submitted " + fs::path(a).filename().string() + ": job $id\"\n";
    submit += "deps=\"$deps:$id\"\n";
  }
  submit += "id=$(sbatch --parsable \"$@\" --dependency=afterok$deps " + quote(s.merge) + ")\n";
  submit += "id=${id%%;*}\necho \"submitted merge.sbatch: job $id (after$deps)\"\n";
  s.submit = (dir / "submit.sh").string();
  write_script(s.submit, submit);
  return s;
}

}  // namespace d2ace

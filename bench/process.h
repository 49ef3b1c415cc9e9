// Child processes of d2ace-bench: matrix cells and the folds of a parallel `run` each run in their
// own process (their own BLAS threads, their own global LibTorch state), started by spawn().
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace d2ace {

// Starts `args` (args[0] the executable) with stdout and stderr in the file `log`; the child is
// killed when this process dies. Throws std::runtime_error when fork fails.
pid_t spawn(std::vector<std::string> args, const std::string& log);

// Runs tasks 0 .. count - 1 as child processes, at most `jobs` at once, in task order:
// start(k) spawns task k and returns its pid; finished(k, exit_code, still_running) is called as
// each one ends (128 + signal for a killed child). Returns when all have ended.
void run_children(size_t count, int jobs, const std::function<pid_t(size_t)>& start,
                  const std::function<void(size_t, int, size_t)>& finished);

// The cores this process may use (at least 1): what the default jobs x threads split divides.
int core_count();

// The last non-empty line of a text file ("" when unreadable): a failed child's reason.
std::string last_line_of(const std::string& path);

}  // namespace d2ace

// Child processes of d2ace-bench: matrix cells and the folds of a parallel `run` each run in their
// own process (their own BLAS threads, their own global LibTorch state), started by spawn().
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace d2ace {

// Starts `args` (args[0] the executable) with stdout and stderr in the file `log`; the child is
// killed when this process dies. Throws std::runtime_error when fork fails.
pid_t spawn(std::vector<std::string> args, const std::string& log);

// Waits for any child; returns its pid and sets `exit_code` (128 + signal for a killed child).
// Returns -1 when there is no child left.
pid_t wait_for_child(int& exit_code);

// The last non-empty line of a text file ("" when unreadable): a failed child's reason.
std::string last_line_of(const std::string& path);

}  // namespace d2ace

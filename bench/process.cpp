#include "bench/process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

namespace d2ace {

pid_t spawn(std::vector<std::string> args, const std::string& log) {
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid > 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed parent takes its children with it
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  std::perror("execv");
  ::_exit(127);
}

void run_children(size_t count, int jobs, const std::function<pid_t(size_t)>& start,
                  const std::function<void(size_t, int, size_t)>& finished) {
  std::map<pid_t, size_t> running;
  size_t next = 0;
  while (next < count || !running.empty()) {
    while (next < count && static_cast<int>(running.size()) < std::max(1, jobs)) {
      running[start(next)] = next;
      ++next;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) return;  // no child left (none of ours can still be running)
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const size_t k = it->second;
    running.erase(it);
    finished(k, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), running.size());
  }
}

int core_count() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

std::string last_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace d2ace

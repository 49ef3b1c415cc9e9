// Errors a user can act on.
//
// InputError is bad input: a malformed file, a bad flag, an unknown name, a NaN feature. The CLI
// prints its message as one line and exits with code 2, writing no report. Its message names the
// place (file:line where there is one) and what was expected.
//
// OutputError is a report that could not be written (a full disk, a directory removed under the
// run): the CLI prints one line and exits with code 3; nothing half-written is left, and an
// earlier report at that path is unchanged.
#pragma once

#include <stdexcept>
#include <string>

namespace d2ace {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// What the CLI prints before an InputError's or OutputError's message (a parent reading a child
// process's log strips it).
inline constexpr const char* kErrorLinePrefix = "d2ace-bench: error: ";

class OutputError : public std::runtime_error {
 public:
  explicit OutputError(const std::string& message) : std::runtime_error(message) {}
  static constexpr int kExitCode = 3;
};

// "path:line: message" (line 0 = no line).
inline InputError input_error_at(const std::string& path, long line, const std::string& message) {
  return InputError(line > 0 ? path + ":" + std::to_string(line) + ": " + message
                             : path + ": " + message);
}

}  // namespace d2ace

// Errors a user can act on.
//
// InputError is bad input: a malformed file, a bad flag, an unknown name, a NaN feature. The CLI
// prints its message as one line and exits with code 2, writing no report. Its message names the
// place (file:line where there is one) and what was expected.
#pragma once

#include <stdexcept>
#include <string>

namespace d2ace {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// "path:line: message" (line 0 = no line).
inline InputError input_error_at(const std::string& path, long line, const std::string& message) {
  return InputError(line > 0 ? path + ":" + std::to_string(line) + ": " + message
                             : path + ": " + message);
}

}  // namespace d2ace

// What every libFuzzer target shares: the input as a file (the readers take paths, as the CLI
// gives them), and the contract that bad input may only be refused with an InputError.
//
// A reader that throws anything else, crashes, leaks, trips a sanitizer or takes more than a second
// (libFuzzer's -timeout=1, set by scripts/fuzz) on one input is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "core/error.h"

namespace d2ace::fuzz {

// Writes the input to a file of this process (one per suffix, rewritten each time) and returns
// its path.
inline std::string input_file(const uint8_t* data, size_t size, const std::string& suffix) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir && *dir ? dir : "/tmp") + "/d2ace-fuzz-" +
                           std::to_string(::getpid()) + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Runs `body`; an InputError is a refusal (fine), any other exception a finding (abort).
template <class Body>
int refuse_only_with_input_error(Body body) {
  try {
    body();
  } catch (const InputError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not an InputError: %s\n", e.what());
    std::abort();
  }
  return 0;
}

}  // namespace d2ace::fuzz

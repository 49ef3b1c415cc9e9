// libFuzzer target: the matrix config reader (d2ace-bench matrix CONFIG).
#include "bench/matrix.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = d2ace::fuzz::input_file(data, size, ".json");
  return d2ace::fuzz::refuse_only_with_input_error([&] { d2ace::load_matrix_config(path); });
}

// libFuzzer target: the ARFF reader on plain text (MEKA's -C labels from the relation name).
#include "datasets/arff.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = d2ace::fuzz::input_file(data, size, ".arff");
  return d2ace::fuzz::refuse_only_with_input_error([&] { d2ace::read_arff({path}, {}); });
}

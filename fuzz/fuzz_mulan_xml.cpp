// libFuzzer target: the Mulan XML label-file reader.
#include "datasets/arff.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = d2ace::fuzz::input_file(data, size, ".xml");
  return d2ace::fuzz::refuse_only_with_input_error([&] { d2ace::read_mulan_labels(path); });
}

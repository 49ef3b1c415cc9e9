// libFuzzer target: the split-file reader (run --split-file), then the folds over a small dataset
// (ranges, overlaps, the hold-out).
#include "datasets/splits.h"
#include "datasets/synthetic.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const d2ace::Dataset dataset = [] {
    d2ace::SyntheticSpec spec;
    spec.n = 64;
    spec.q = 3;
    return d2ace::make_synthetic(spec);
  }();
  const std::string path = d2ace::fuzz::input_file(data, size, ".json");
  return d2ace::fuzz::refuse_only_with_input_error([&] {
    const d2ace::SplitFile file = d2ace::read_split_file(path);
    d2ace::SplitSpec spec;
    spec.mode = d2ace::SplitMode::kFile;
    spec.file = &file;
    d2ace::make_splits(dataset, spec);
  });
}

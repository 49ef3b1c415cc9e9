// libFuzzer target: the summary reader of `compare` (two summaries, here the input against
// itself and against an empty one).
#include "bench/matrix.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = d2ace::fuzz::input_file(data, size, ".json");
  return d2ace::fuzz::refuse_only_with_input_error([&] {
    const d2ace::Json doc = d2ace::read_json_file(path);
    const d2ace::Json empty = {{"kind", "summary"}, {"cells", d2ace::Json::array()}};
    d2ace::compare_summaries(doc, doc, {{"all", 0.01}});
    d2ace::compare_summaries(empty, doc, {});
  });
}

// libFuzzer target: the PASCAL VOC annotation reader (tinyxml2 underneath).
#include "datasets/image_folders.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string xml(reinterpret_cast<const char*>(data), size);
  return d2ace::fuzz::refuse_only_with_input_error(
      [&] { d2ace::parse_voc_annotation(xml, "fuzz.xml"); });
}

// libFuzzer target: the ARFF reader's bz2 path. The first byte chooses: even, the rest of the
// input is compressed here and read back (the decompressor and the parser together); odd, the
// rest is read as a .bz2 file as it is (broken streams).
#include <bzlib.h>

#include <vector>

#include "datasets/arff.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool raw = data[0] & 1;
  std::vector<char> body(data + 1, data + size);
  std::vector<char> packed(body.size() + body.size() / 100 + 600 + 1);
  auto packed_size = static_cast<unsigned>(packed.size());
  if (!raw && BZ2_bzBuffToBuffCompress(packed.data(), &packed_size, body.data(),
                                       static_cast<unsigned>(body.size()), 1, 0, 0) != BZ_OK)
    return 0;
  const std::string path =
      raw ? d2ace::fuzz::input_file(data + 1, size - 1, ".arff.bz2")
          : d2ace::fuzz::input_file(reinterpret_cast<const uint8_t*>(packed.data()), packed_size,
                                    ".arff.bz2");
  return d2ace::fuzz::refuse_only_with_input_error([&] { d2ace::read_arff({path}, {}); });
}

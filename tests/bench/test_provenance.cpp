// bench/provenance: threads, BLAS and build facts recorded in every report.
#include "tests/catch.h"

#include "bench/provenance.h"

using namespace d2ace;

TEST_CASE("provenance: threads, BLAS and build are recorded", "[provenance]") {
  const ThreadConfig t = configure_threads(1, 1);
  CHECK(t.blas == 1);
  CHECK(thread_config().intra_op == 1);
  (void)torch::mm(torch::ones({8, 8}), torch::ones({8, 8}));  // loads BLAS
  const auto j = provenance_json("cpu");
  CHECK(j["threads"] == 1);
  CHECK(j["intra_op_threads"] == 1);
  CHECK(j["device"] == "cpu");
  CHECK(j["blas"].get<std::string>().find("blas") != std::string::npos);
  CHECK(j.contains("git_commit"));
  CHECK(j.contains("libtorch"));
  const std::string now = utc_now();
  CHECK(now.size() == 20);
  CHECK(now.back() == 'Z');
}

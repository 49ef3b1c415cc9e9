// bench/console: the comparison table, the failure lines and the timing line of a run, against a
// golden file (D2ACE_UPDATE_GOLDEN=1 rewrites it after a deliberate change).
#include "tests/catch.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bench/console.h"
#include "tests/support.h"

using namespace d2ace;

namespace {

// Three cells from the golden cell report: two folds that finished (the second with other
// numbers) and one that failed, plus a cell of another selector.
std::vector<Json> cells() {
  const Json golden = read_json_file(D2ACE_SOURCE_DIR "/tests/data/golden_cell_report.json");
  Json second = golden, failed = golden, other = golden;
  second["identity"]["split"]["fold"] = 1;
  second["metrics"]["test"]["micro_f1"]["value"] = 0.25;
  second["metrics"]["test"]["macro_auc"]["value"] = nullptr;  // NaN in the report
  second["timings"]["training_s"] = 3.0;
  failed["identity"]["split"]["fold"] = 2;
  failed["status"] = {{"state", "error"}, {"message", "out of memory"}};
  other["identity"]["selector"]["name"] = "d2ace";
  other["identity"]["model"] = {{"name", "clif"}};
  return {golden, second, failed, other};
}

}  // namespace

TEST_CASE("console: the run's table, failures and timing line match the golden output",
          "[console]") {
  RunDocument doc{
      {"d2ace-bench", "run"},
      {{"blas", "openblas (/usr/lib/libblas.so.3)"}, {"threads", 2}, {"intra_op_threads", 1}},
      cells(),
      nullptr};
  std::ostringstream out;
  ConsoleReport console(out);
  CHECK(console.failures(doc.cells) == 1);
  console.table(doc.cells);
  console.timing_line(doc.to_json());
  const std::string path = D2ACE_SOURCE_DIR "/tests/data/golden_console.txt";
  if (std::getenv("D2ACE_UPDATE_GOLDEN")) std::ofstream(path) << out.str();
  CHECK(out.str() == test::slurp(path));
}

TEST_CASE("console: cells_of reads run and cell documents and refuses others", "[console]") {
  const std::vector<Json> c = cells();
  CHECK(cells_of(c[0], "a.json").size() == 1);
  CHECK(cells_of(RunDocument{{}, {}, c, nullptr}.to_json(), "b.json").size() == 4);
  CHECK_THROWS_WITH(cells_of(Json{{"kind", "summary"}}, "c.json"),
                    Catch::Contains("c.json: unknown report kind"));
  CHECK_THROWS_WITH(cells_of(Json::array(), "d.json"),
                    Catch::Contains("d.json: not a d2ace-bench report"));
  CHECK(fixed(0.123456) == "0.1235");
  CHECK(fixed(std::nan("")) == "nan");
}

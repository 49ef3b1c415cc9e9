// datasets/arff: dense and sparse rows, quoting, comments, case, missing values, Mulan XML label
// matching by name, MEKA -C, bz2, keep ratio -- and one clear error per kind of bad input.
#include "tests/catch.h"

#include <bzlib.h>

#include <fstream>

#include "core/error.h"
#include "datasets/arff.h"
#include "tests/support.h"

using d2ace::ArffOptions;
using d2ace::InputError;
using d2ace::read_arff;
using d2ace::test::write_temp;

namespace {

const char* kXml = R"(<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
<label name="B&apos;s label"></label>
<label name="A label"></label>
</labels>
)";

// Labels are the last two attributes, listed in the other order by the XML.
const char* kDense = R"(% a comment
@RELATION 'small test'

@attribute x1 NUMERIC
@Attribute 'x 2' real
@attribute colour {red, green, 'dark blue'}
@attribute flag {no,yes}
@attribute id string
@attribute 'A label' {0,1}
@attribute 'B\'s label' {0,1}
@DATA
% rows
1.5, 2, red, no, 'p 1', 1, 0

-3, ?, 'dark blue', yes, p2, 0, 1
0, 4, green, ?, "p,3", 1, 1
)";

// Catch2's message matcher: the error says `what` (and, through the path, where).
std::string error_of(const std::vector<std::string>& paths, const ArffOptions& opt) {
  try {
    read_arff(paths, opt);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("arff: dense Mulan file with quoting, comments, nominal and missing values", "[arff]") {
  ArffOptions opt;
  opt.labels_xml = write_temp("small.xml", kXml);
  auto ds = read_arff({write_temp("small.arff", kDense)}, opt);
  REQUIRE(ds.rows() == 3);
  // Labels in ARFF order, matched by name.
  REQUIRE(ds.label_names == std::vector<std::string>{"A label", "B's label"});
  CHECK(ds.Y[0][0].item<float>() == 1);
  CHECK(ds.Y[0][1].item<float>() == 0);
  CHECK(ds.Y[1][1].item<float>() == 1);
  // x1, x 2, colour one-hot (3), flag (1 column), id dropped.
  REQUIRE(ds.feature_names == std::vector<std::string>{"x1", "x 2", "colour=red", "colour=green",
                                                       "colour=dark blue", "flag"});
  CHECK(ds.feature_attributes == 5);
  auto x = ds.X.accessor<float, 2>();
  CHECK(x[0][0] == 1.5f);
  CHECK(x[1][0] == -3.0f);
  CHECK(x[1][1] == 3.0f);  // '?' imputed with the observed mean of (2, 4)
  CHECK(x[0][2] == 1.0f);
  CHECK(x[1][4] == 1.0f);
  CHECK(x[2][3] == 1.0f);
  CHECK(x[1][5] == 1.0f);          // yes = index 1
  CHECK(x[2][5] == Approx(0.5f));  // missing flag: observed mean of (0, 1)
  CHECK(ds.notices.size() == 2);   // string attribute dropped, values imputed
}

TEST_CASE("arff: sparse rows and MEKA -C labels", "[arff]") {
  const char* text = R"(@relation 'meka: -C 2'
@attribute L0 {0,1}
@attribute L1 {0,1}
@attribute f0 numeric
@attribute f1 numeric
@attribute c {a,b,c}
@data
{0 1,3 2.5}
{1 1,2 1,4 c}
{}
)";
  auto ds = read_arff({write_temp("sparse.arff", text)}, {});
  REQUIRE(ds.rows() == 3);
  REQUIRE(ds.label_names == std::vector<std::string>{"L0", "L1"});
  CHECK(ds.Y.equal(torch::tensor({1.f, 0.f, 0.f, 1.f, 0.f, 0.f}).view({3, 2})));
  auto x = ds.X.accessor<float, 2>();
  CHECK(x[0][1] == 2.5f);
  CHECK(x[1][0] == 1.0f);
  CHECK(x[0][2] == 1.0f);  // omitted nominal = its first value
  CHECK(x[1][2] == 0.0f);
  CHECK(x[1][4] == 1.0f);
  CHECK(x[2][2] == 1.0f);

  std::string body =
      "@relation 'x: -C -2'\n@attribute f numeric\n@attribute L0 {0,1}\n@attribute L1 numeric\n"
      "@data\n3,1,0\n4,0,1\n";
  auto tail = read_arff({write_temp("tail.arff", body)}, {});
  CHECK(tail.label_names == std::vector<std::string>{"L0", "L1"});
  CHECK(tail.features() == 1);
}

TEST_CASE("arff: train and test files make one dataset with the official split", "[arff]") {
  std::string head = "@relation r\n@attribute f numeric\n@attribute y {0,1}\n@data\n";
  ArffOptions opt;
  opt.labels_xml = write_temp("y.xml", "<labels><label name=\"y\"></label></labels>");
  auto ds = read_arff(
      {write_temp("tr.arff", head + "1,1\n2,0\n"), write_temp("te.arff", head + "3,1\n")}, opt);
  CHECK(ds.rows() == 3);
  CHECK(ds.official_train_rows == 2);
  std::string other = "@relation r\n@attribute g numeric\n@attribute y {0,1}\n@data\n1,1\n";
  CHECK_THROWS_AS(
      read_arff({write_temp("tr2.arff", head + "1,1\n"), write_temp("te2.arff", other)}, opt),
      InputError);
}

TEST_CASE("arff: bz2 input", "[arff]") {
  std::string text =
      "@relation 'z: -C 1'\n@attribute y {0,1}\n@attribute f numeric\n@data\n1,0.5\n0,2\n";
  std::vector<char> packed(text.size() * 2 + 600);
  unsigned int size = static_cast<unsigned int>(packed.size());
  REQUIRE(BZ2_bzBuffToBuffCompress(packed.data(), &size, text.data(),
                                   static_cast<unsigned int>(text.size()), 9, 0, 0) == BZ_OK);
  std::string path = d2ace::test::temp_path("z.arff.bz2");
  std::ofstream(path, std::ios::binary).write(packed.data(), size);
  auto ds = read_arff({path}, {});
  CHECK(ds.rows() == 2);
  CHECK(ds.X[1][0].item<float>() == 2.0f);
  std::ofstream(path, std::ios::binary).write(packed.data(), size / 2);
  CHECK_THROWS_WITH(read_arff({path}, {}), Catch::Contains("bzip2"));
}

TEST_CASE("arff: keep ratio keeps the columns with the largest sums", "[arff]") {
  std::string text = "@relation 'k: -C 1'\n@attribute y {0,1}\n";
  for (int c = 0; c < 10; ++c) text += "@attribute f" + std::to_string(c) + " numeric\n";
  text += "@data\n{0 1,3 5,7 9,9 1}\n{2 1,7 1,10 4}\n";
  ArffOptions opt;
  opt.keep_ratio = 0.3;  // 3 of 10: f6 (10), f2 (5), f9 (4); columns stay in source order
  auto ds = read_arff({write_temp("keep.arff", text)}, opt);
  CHECK(ds.feature_names == std::vector<std::string>{"f2", "f6", "f9"});
  CHECK(ds.X.sum().item<float>() == Approx(19.0f));
}

TEST_CASE("arff: nominal identifiers are dropped", "[arff]") {
  std::string values;
  for (int v = 0; v < 150; ++v) values += (v ? "," : "") + std::string("P") + std::to_string(v);
  std::string text = "@relation 'id: -C 1'\n@attribute y {0,1}\n@attribute protein {" + values +
                     "}\n@attribute m {YES,NO}\n@data\n1,P3,NO\n0,P7,YES\n";
  auto ds = read_arff({write_temp("ids.arff", text)}, {});
  CHECK(ds.features() == 1);
  CHECK(ds.feature_attributes == 2);
  CHECK(ds.notices.at(0).find("protein") != std::string::npos);
}

TEST_CASE("arff: bad input names the file, the line and the problem", "[arff][bad-input]") {
  const std::string head =
      "@relation 'b: -C 1'\n@attribute y {0,1}\n@attribute f numeric\n@attribute c {a,b}\n@data\n";
  auto check = [&](const std::string& rows, const std::string& line, const std::string& what) {
    std::string path = write_temp("bad.arff", head + rows);
    std::string message = error_of({path}, {});
    INFO(message);
    CHECK(message.find(path + ":" + line + ": ") == 0);
    CHECK(message.find(what) != std::string::npos);
  };
  check("1,2,a\n1,2\n", "7", "expected 3 values, found 2");
  check("1,abc,a\n", "6", "'abc' is not a number");
  check("2,1,a\n", "6", "'2' is not a declared value");
  check("1,1,'a\n", "6", "unterminated quote");
  check("1,nan,a\n", "6", "NaN or infinite");
  check("1,inf,a\n", "6", "NaN or infinite");
  check("?,1,a\n", "6", "label 'y' is missing");
  check("1,1,z\n", "6", "'z' is not a declared value of nominal attribute 'c'");
  check("{0 1,7 2}\n", "6", "sparse index 7 out of range");

  // A numeric label with a value other than 0/1.
  std::string numeric_label =
      "@relation 'n: -C 1'\n@attribute y numeric\n@attribute f numeric\n@data\n0.5,1\n";
  std::string p = write_temp("numlabel.arff", numeric_label);
  CHECK_THAT(error_of({p}, {}),
             Catch::StartsWith(p + ":5: ") && Catch::Contains("labels must be 0 or 1"));

  ArffOptions opt;
  opt.labels_xml = write_temp("absent.xml", "<labels><label name=\"nope\"></label></labels>");
  std::string q = write_temp(
      "plain.arff", "@relation plain\n@attribute f numeric\n@attribute y {0,1}\n@data\n1,1\n");
  CHECK_THAT(error_of({q}, opt), Catch::Contains("label 'nope' is not an attribute of"));
  CHECK_THAT(error_of({q}, {}), Catch::Contains("MEKA '-C n'"));
  CHECK_THAT(error_of({"/nonexistent/x.arff"}, {}), Catch::Contains("cannot open file"));
  CHECK_THAT(error_of({write_temp("nodata.arff", "@relation r\n@attribute f numeric\n")}, {}),
             Catch::Contains("no @data section"));
}

TEST_CASE("arff: a UTF-8 byte-order mark and CRLF line ends are read", "[arff]") {
  const std::string body =
      "@relation 'bom: -C 1'\r\n@attribute y {0,1}\r\n@attribute f "
      "numeric\r\n@data\r\n1,2\r\n0,3\r\n";
  auto ds = read_arff({write_temp("bom.arff", "\xEF\xBB\xBF" + body)}, {});
  CHECK(ds.rows() == 2);
  CHECK(ds.label_names == std::vector<std::string>{"y"});
  // A Mulan XML label file with a byte-order mark too.
  ArffOptions opt;
  opt.labels_xml = write_temp("bom.xml", std::string("\xEF\xBB\xBF") + kXml);
  auto mulan = read_arff({write_temp("small-bom.arff", "\xEF\xBB\xBF" + std::string(kDense))}, opt);
  CHECK(mulan.label_names == std::vector<std::string>{"A label", "B's label"});
}

TEST_CASE("arff: MEKA's -C must be a whole integer, and a missing @data line is named",
          "[arff][bad-input]") {
  // The relation of a real file someone filtered in WEKA: '-C 75-weka...' is not '-C 75'.
  const std::string filtered =
      write_temp("langlog.arff",
                 "@relation 'LangLog: -C 75-weka.filters.unsupervised.attribute.Remove-R1'\n"
                 "@attribute y {0,1}\n@attribute f numeric\n@data\n1,2\n");
  const std::string message = error_of({filtered}, {});
  CHECK_THAT(message, Catch::StartsWith(filtered + ": relation 'LangLog: -C 75-weka"));
  CHECK_THAT(message, Catch::Contains("MEKA option -C needs a whole integer, found '75-weka.filt"));
  CHECK_THAT(
      error_of({write_temp("c-end.arff", "@relation 'x: -C'\n@attribute y {0,1}\n@data\n1\n")}, {}),
      Catch::Contains("found ''"));
  // The first -C token counts, as in MEKA's MEDC file ('-C 45 -I 0-weka...').
  auto medc = read_arff({write_temp("medc.arff",
                                    "@relation 'M: -C 1 -I 0-weka.filters.x_M: -C 1 -I 0'\n"
                                    "@attribute y {0,1}\n@attribute f numeric\n@data\n1,2\n")},
                        {});
  CHECK(medc.labels() == 1);

  const std::string no_data =
      write_temp("no-data-line.arff",
                 "@relation 'r: -C 1'\n@attribute y {0,1}\n@attribute f numeric\n"
                 "0,0.004168\n1,0.5\n");
  CHECK_THAT(error_of({no_data}, {}),
             Catch::StartsWith(no_data + ":4: the @data line is missing") &&
                 Catch::Contains("found '0,0.004168'"));
}

TEST_CASE("arff: XML character references in label names, malformed ones refused",
          "[arff][bad-input]") {
  // Found by fuzz_mulan_xml: '&#&&B&a;' made std::stol throw out of the reader.
  const auto labels = [](const std::string& names) {
    return write_temp("refs.xml", "<?xml version=\"1.0\"?>\n<labels>\n" + names + "</labels>\n");
  };
  CHECK(d2ace::read_mulan_labels(
            labels("<label name=\"a&#38;b\"/>\n<label name=\"&#xe9;&#x1F600;\"/>\n")) ==
        std::vector<std::string>{"a&b", "\xC3\xA9\xF0\x9F\x98\x80"});
  for (const char* bad : {"&#&&B&a;", "&#;", "&#0;", "&#xD800;", "&#99999999999;", "&#12abc;",
                          "&#X41;", "&#x110000;"}) {
    const std::string path =
        labels("<label name=\"ok\"/>\n<label name=\"x" + std::string(bad) + "\"/>\n");
    INFO(bad);
    try {
      d2ace::read_mulan_labels(path);
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::StartsWith(path + ":4: malformed character reference"));
    }
  }
}

// core/params: Params checks keys and parses values; a ParamTable writes each key and default
// once and fills its struct from the resolved values.
#include "tests/catch.h"

#include "core/error.h"
#include "core/params.h"

using namespace d2ace;

namespace {

enum class Form { kA, kB };

struct Options {
  double rate = 0.7;
  int64_t window = 5;
  std::string name = "x";
  bool flag = false;
  std::vector<int64_t> widths{256, 128};
  Form form = Form::kB;
  struct Inner {
    double beta = 1e-4;
  } inner;
};

const ParamTable<Options>& table() {
  static const auto t =
      ParamTable<Options>()
          .field("rate", &Options::rate, "a rate")
          .field("window", &Options::window, "a window")
          .field("name", &Options::name, "a name")
          .field("flag", &Options::flag, "a switch")
          .field("widths", &Options::widths, "widths")
          .choice("form", &Options::form, {{"a", Form::kA}, {"b", Form::kB}}, "a form")
          .field(
              "beta", [](Options& o) -> double& { return o.inner.beta; }, "nested");
  return t;
}

}  // namespace

TEST_CASE("params: a table's specs carry the struct's defaults as text", "[params]") {
  const ParamSpecs& s = table().specs();
  REQUIRE(s.size() == 7);
  std::vector<std::string> defaults;
  for (const auto& spec : s) defaults.push_back(spec.default_value);
  CHECK(defaults == std::vector<std::string>{"0.7", "5", "x", "false", "256,128", "b", "0.0001"});
  CHECK(s[0].help == "a rate");
}

TEST_CASE("params: fill sets every field from the resolved values", "[params]") {
  const Options defaults = table().fill(Params("thing 't'", table().specs(), {}));
  CHECK(defaults.rate == 0.7);
  CHECK(defaults.widths == std::vector<int64_t>{256, 128});
  CHECK(defaults.form == Form::kB);
  const Options o = table().fill(Params("thing 't'", table().specs(),
                                        {{"rate", "0.25"},
                                         {"window", "9"},
                                         {"flag", "true"},
                                         {"form", "a"},
                                         {"beta", "2"},
                                         {"widths", ""}}));
  CHECK(o.rate == 0.25);
  CHECK(o.window == 9);
  CHECK(o.flag);
  CHECK(o.form == Form::kA);
  CHECK(o.inner.beta == 2);
  CHECK(o.widths.empty());
}

TEST_CASE("params: unknown keys, bad numbers and unknown words are InputError", "[params]") {
  CHECK_THROWS_WITH(Params("thing 't'", table().specs(), {{"nope", "1"}}),
                    Catch::Contains("thing 't' has no parameter 'nope'"));
  CHECK_THROWS_AS(table().fill(Params("thing 't'", table().specs(), {{"window", "1.5"}})),
                  InputError);
  CHECK_THROWS_WITH(table().fill(Params("thing 't'", table().specs(), {{"form", "c"}})),
                    Catch::Equals("thing 't': form must be a or b, got 'c'"));
  CHECK_THROWS_WITH(Params::parse_assignments({"k"}, "--model-param"),
                    Catch::Contains("--model-param expects key=value"));
}

TEST_CASE("params: numbers as text read back the same", "[params]") {
  CHECK(param_text(2.0 / 3.0) == "0.6666666666666666");
  CHECK(param_text(100.0) == "100");
  CHECK(param_text(1e-5) == "1e-05");
  CHECK(param_text(int64_t{-3}) == "-3");
  CHECK(param_text(std::vector<int64_t>{}).empty());
}

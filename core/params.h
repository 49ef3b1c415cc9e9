// Named parameters of a selector or a model, set by the user as `key=value`.
//
// A component declares its parameters (name, default, help) as a ParamSpecs list; Params holds the
// values the user gave, checked against that list, and hands them out typed. The report records
// the resolved values (defaults filled in), so a run says exactly what it ran with.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace d2ace {

struct ParamSpec {
  std::string name;
  std::string default_value;
  std::string help;
};
using ParamSpecs = std::vector<ParamSpec>;

class Params {
 public:
  Params() = default;
  // `owner` names the component in error messages ("selector 'uniform'").
  // Throws InputError on a key the specs do not declare.
  Params(std::string owner, const ParamSpecs& specs,
         const std::map<std::string, std::string>& given);

  // Parses "key=value" strings (as given on the command line) into a map; throws InputError on a
  // string without '=' or a key given twice.
  static std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& kv,
                                                              const std::string& flag);

  const std::string& get_string(const std::string& key) const;
  double get_double(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  // A comma-separated list of integers ("256,256"); empty string -> empty list.
  std::vector<int64_t> get_int_list(const std::string& key) const;

  // Every declared parameter with its resolved value, in declaration order.
  const std::vector<std::pair<std::string, std::string>>& resolved() const { return resolved_; }

 private:
  std::string owner_;
  std::map<std::string, std::string> values_;
  std::vector<std::pair<std::string, std::string>> resolved_;
};

}  // namespace d2ace

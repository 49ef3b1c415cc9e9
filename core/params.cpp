#include "core/params.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace d2ace {

Params::Params(std::string owner, const ParamSpecs& specs,
               const std::map<std::string, std::string>& given)
    : owner_(std::move(owner)) {
  for (const auto& [key, value] : given) {
    bool known = false;
    for (const auto& s : specs) known = known || s.name == key;
    if (!known) {
      std::string names;
      for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
      throw InputError(owner_ + " has no parameter '" + key +
                       "' (it has: " + (names.empty() ? "none" : names) + ")");
    }
  }
  for (const auto& s : specs) {
    auto it = given.find(s.name);
    values_[s.name] = it == given.end() ? s.default_value : it->second;
    resolved_.emplace_back(s.name, values_[s.name]);
  }
}

std::map<std::string, std::string> Params::parse_assignments(const std::vector<std::string>& kv,
                                                             const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : kv) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError(flag + " expects key=value, got '" + item + "'");
    std::string key = item.substr(0, eq);
    if (out.count(key)) throw InputError(flag + " sets '" + key + "' twice");
    out[key] = item.substr(eq + 1);
  }
  return out;
}

std::map<std::string, std::string> Params::parse_spec(const std::string& spec,
                                                      const std::string& name) {
  if (spec == name) return {};
  std::vector<std::string> items;
  const std::string rest = spec.substr(spec.find(':') + 1);
  for (size_t start = 0; start <= rest.size();) {
    size_t end = rest.find(',', start);
    if (end == std::string::npos) end = rest.size();
    items.push_back(rest.substr(start, end - start));
    start = end + 1;
  }
  return parse_assignments(items, name);
}

const std::string& Params::get_string(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error(owner_ + " reads undeclared parameter " + key);
  return it->second;
}

double Params::get_double(const std::string& key) const {
  const std::string& v = get_string(key);
  double x = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(x))
    throw InputError(owner_ + ": parameter " + key + "='" + v + "' is not a finite number");
  return x;
}

int64_t Params::get_int(const std::string& key) const {
  const std::string& v = get_string(key);
  int64_t x = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || ptr != v.data() + v.size())
    throw InputError(owner_ + ": parameter " + key + "='" + v + "' is not an integer");
  return x;
}

bool Params::get_bool(const std::string& key) const {
  const std::string& v = get_string(key);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw InputError(owner_ + ": parameter " + key + "='" + v + "' is not a boolean (true/false)");
}

std::vector<int64_t> Params::get_int_list(const std::string& key) const {
  const std::string& v = get_string(key);
  std::vector<int64_t> out;
  size_t start = 0;
  while (start < v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    int64_t x = 0;
    auto [ptr, ec] = std::from_chars(v.data() + start, v.data() + end, x);
    if (ec != std::errc() || ptr != v.data() + end || x <= 0)
      throw InputError(owner_ + ": parameter " + key + "='" + v +
                       "' is not a comma-separated list of positive integers");
    out.push_back(x);
    start = end + 1;
  }
  return out;
}

std::string param_text(double x) {
  if (std::isfinite(x) && x == std::trunc(x) && std::fabs(x) < 1e15)
    return std::to_string(static_cast<int64_t>(x));  // "100", not "1e+02"
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, x);
    if (std::strtod(buffer, nullptr) == x) break;
  }
  return buffer;
}

std::string param_text(int64_t x) { return std::to_string(x); }

std::string param_text(const std::string& s) { return s; }

std::string param_text(const std::vector<int64_t>& list) {
  std::string s;
  for (size_t i = 0; i < list.size(); ++i) s += (i ? "," : "") + std::to_string(list[i]);
  return s;
}

void throw_bad_word(const std::string& owner, const std::string& name, const std::string& list,
                    const std::string& given) {
  throw InputError(owner + ": " + name + " must be " + list + ", got '" + given + "'");
}

}  // namespace d2ace

// A name -> factory table, the one way components are found by name (datasets excepted: they are
// files, see datasets/catalog.h). Registration is explicit -- each library has a
// register_*(Registry&) function that bench calls -- so nothing depends on static initialisation
// order or on the linker keeping unreferenced objects.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/params.h"

namespace d2ace {

template <class Product, class... Args>
class Registry {
 public:
  using Factory = std::function<Product(Args...)>;
  struct Entry {
    std::string name;
    std::string summary;  // one line for `d2ace-bench list`
    ParamSpecs params;
    std::string version;  // changes whenever the component's code changes meaning (in reports)
    Factory make;
  };

  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  void add(Entry entry) {
    if (entries_.count(entry.name))
      throw std::logic_error(kind_ + " registered twice: " + entry.name);
    entries_.emplace(entry.name, std::move(entry));
  }

  const Entry& get(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      std::string names;
      for (const auto& [n, e] : entries_) names += (names.empty() ? "" : ", ") + n;
      throw InputError("unknown " + kind_ + " '" + name + "' (available: " + names + ")");
    }
    return it->second;
  }

  std::vector<const Entry*> all() const {
    std::vector<const Entry*> out;
    for (const auto& [n, e] : entries_) out.push_back(&e);
    return out;
  }

  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
  std::map<std::string, Entry> entries_;
};

}  // namespace d2ace

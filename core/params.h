// Named parameters of a selector or a model, set by the user as `key=value`.
//
// A component declares its parameters with a ParamTable bound to the fields of its options struct:
// each key and its help are written once there, and each default once, as the field's initial
// value. The table yields the ParamSpecs list (name, default as text, help) for the registry and
// fills the struct from a Params. Params holds the values the user gave, checked against the
// specs, and hands them out typed. The report records the resolved values (defaults filled in),
// so a run says exactly what it ran with.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
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
  // The assignments of a spec string "NAME:key=value,key=value" (a generated dataset's name with
  // its settings); the bare "NAME" has none. InputError as parse_assignments, naming NAME.
  static std::map<std::string, std::string> parse_spec(const std::string& spec,
                                                       const std::string& name);

  const std::string& owner() const { return owner_; }
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

// "<owner>: <name> must be <list>, got '<given>'" (InputError).
[[noreturn]] void throw_bad_word(const std::string& owner, const std::string& name,
                                 const std::string& list, const std::string& given);

// A value as a parameter's text: numbers in their shortest form that reads back the same ("0.7",
// "1e-05", "100"), integer lists comma-separated ("256,256"), strings as they are.
std::string param_text(double x);
std::string param_text(int64_t x);
std::string param_text(const std::string& s);
std::string param_text(const std::vector<int64_t>& list);

// The parameters of a component whose options are the struct `Options`: one line per parameter.
//   const ParamTable<ClifOptions> kClif = ParamTable<ClifOptions>()
//       .field("hidden", &ClifOptions::hidden, "width of the layers")
//       .choice("label_graph", &ClifOptions::cooccurrence_graph,
//               {{"identity", false}, {"cooccurrence", true}}, "...");
// A field's default is its value in a value-initialised Options. fill() starts from that and
// sets every field from the resolved parameters (InputError on a word a choice does not know);
// range checks stay with the component, after fill().
template <class Options>
class ParamTable {
  // The field `member` (a data member pointer, or an accessor `T& (Options&)`) of `o`.
  template <class Member>
  static auto& ref(Options& o, Member member) {
    if constexpr (std::is_member_object_pointer_v<Member>)
      return o.*member;
    else
      return member(o);
  }
  template <class Member>
  using FieldOf = std::decay_t<decltype(ref(std::declval<Options&>(), std::declval<Member>()))>;

 public:
  using Setter = std::function<void(Options&, const Params&)>;
  // A choice's words, each with the value it stands for.
  template <class Member>
  using Words = std::vector<std::pair<std::string, FieldOf<Member>>>;

  // A field read with Params' typed getter (double, int64_t, std::string, bool, integer list).
  template <class Member>
  ParamTable& field(const std::string& name, Member member, const std::string& help) {
    Options defaults{};
    return custom({name, text_of(ref(defaults, member)), help},
                  [name, member](Options& o, const Params& p) {
                    ref(o, member) = get<FieldOf<Member>>(p, name);
                  });
  }

  // A field that takes one of a few words, each standing for a value; the default is the word
  // of the field's initial value.
  template <class Member>
  ParamTable& choice(const std::string& name, Member member, Words<Member> words,
                     const std::string& help) {
    Options defaults{};
    std::string default_word, list;
    for (size_t i = 0; i < words.size(); ++i) {
      if (words[i].second == ref(defaults, member)) default_word = words[i].first;
      list += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i].first;
    }
    if (default_word.empty()) throw std::logic_error(name + ": no word for the default value");
    return custom({name, default_word, help},
                  [name, member, words, list](Options& o, const Params& p) {
                    const std::string& given = p.get_string(name);
                    for (const auto& [word, value] : words)
                      if (word == given) {
                        ref(o, member) = value;
                        return;
                      }
                    throw_bad_word(p.owner(), name, list, given);
                  });
  }

  // Anything else: an explicit spec and a setter.
  ParamTable& custom(ParamSpec spec, Setter set) {
    specs_.push_back(std::move(spec));
    setters_.push_back(std::move(set));
    return *this;
  }

  const ParamSpecs& specs() const { return specs_; }

  Options fill(const Params& p) const {
    Options o{};
    for (const auto& set : setters_) set(o, p);
    return o;
  }

 private:
  template <class T>
  static std::string text_of(const T& value) {
    if constexpr (std::is_same_v<T, bool>)
      return value ? "true" : "false";
    else if constexpr (std::is_integral_v<T>)
      return param_text(static_cast<int64_t>(value));
    else
      return param_text(value);
  }
  template <class T>
  static T get(const Params& p, const std::string& name) {
    if constexpr (std::is_same_v<T, bool>)
      return p.get_bool(name);
    else if constexpr (std::is_integral_v<T>)
      return static_cast<T>(p.get_int(name));
    else if constexpr (std::is_floating_point_v<T>)
      return p.get_double(name);
    else if constexpr (std::is_same_v<T, std::string>)
      return p.get_string(name);
    else
      return p.get_int_list(name);
  }

  ParamSpecs specs_;
  std::vector<Setter> setters_;
};

}  // namespace d2ace

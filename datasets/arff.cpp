#include "datasets/arff.h"

#include <bzlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <regex>
#include <sstream>
#include <string_view>

#include "core/error.h"

namespace d2ace {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

enum class AttrType { kNumeric, kNominal, kString, kDate };

struct Attribute {
  std::string name;
  AttrType type = AttrType::kNumeric;
  std::vector<std::string> values;  // nominal
};

struct Header {
  std::string relation;
  std::vector<Attribute> attrs;
};

// Rows as sparse (attribute, value) lists: numeric value, nominal index, label 0/1, NaN = missing.
struct RawRows {
  std::vector<int64_t> row_ptr{0};
  std::vector<int32_t> attr;
  std::vector<double> value;
  int64_t rows() const { return static_cast<int64_t>(row_ptr.size()) - 1; }
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// Line-oriented cursor over a file's text, with 1-based line numbers for messages. A leading
// UTF-8 byte-order mark (editors on Windows write one) is skipped; CRLF line ends are read as LF.
class Lines {
 public:
  Lines(const std::string& text, std::string path) : text_(text), path_(std::move(path)) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
  }
  bool next(std::string_view* line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string::npos) end = text_.size();
    *line = std::string_view(text_).substr(pos_, end - pos_);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  long number() const { return number_; }
  const std::string& path() const { return path_; }
  InputError error(const std::string& message) const {
    return input_error_at(path_, number_, message);
  }

 private:
  const std::string& text_;
  std::string path_;
  size_t pos_ = 0;
  long number_ = 0;
};

// Reads one token at s[*i]: a quoted string (quotes removed, backslash escapes resolved) or a
// bare run of characters up to whitespace or one of `stops`. Sets *quoted.
std::string read_token(std::string_view s, size_t* i, std::string_view stops, const Lines& where,
                       bool* quoted = nullptr) {
  while (*i < s.size() && std::isspace(static_cast<unsigned char>(s[*i]))) ++*i;
  std::string out;
  if (*i < s.size() && (s[*i] == '\'' || s[*i] == '"')) {
    char q = s[(*i)++];
    while (true) {
      if (*i >= s.size()) throw where.error("unterminated quote");
      char c = s[(*i)++];
      if (c == '\\' && *i < s.size()) {
        char e = s[(*i)++];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else if (c == q) {
        break;
      } else {
        out += c;
      }
    }
    if (quoted) *quoted = true;
    return out;
  }
  while (*i < s.size() && !std::isspace(static_cast<unsigned char>(s[*i])) &&
         stops.find(s[*i]) == std::string_view::npos)
    out += s[(*i)++];
  if (quoted) *quoted = false;
  return out;
}

// Splits `s` at top-level commas (quotes respected); each field keeps its quotes.
std::vector<std::string_view> split_fields(std::string_view s, const Lines& where) {
  std::vector<std::string_view> out;
  size_t start = 0;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ',') {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (quote) throw where.error("unterminated quote");
  out.push_back(trim(s.substr(start)));
  return out;
}

std::string unquote(std::string_view field, const Lines& where) {
  size_t i = 0;
  return read_token(field, &i, "", where);
}

Header parse_header(Lines& lines) {
  Header h;
  std::string_view line;
  bool relation_seen = false;
  while (lines.next(&line)) {
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '%') continue;
    size_t i = 0;
    std::string keyword = lower(read_token(t, &i, "", lines));
    if (keyword == "@relation") {
      h.relation = read_token(t, &i, "", lines);
      relation_seen = true;
    } else if (keyword == "@attribute") {
      Attribute a;
      a.name = read_token(t, &i, "{", lines);
      if (a.name.empty()) throw lines.error("@attribute without a name");
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      if (i < t.size() && t[i] == '{') {
        size_t close = t.rfind('}');
        if (close == std::string_view::npos || close < i)
          throw lines.error("nominal attribute '" + a.name + "' has no closing '}'");
        a.type = AttrType::kNominal;
        for (std::string_view v : split_fields(t.substr(i + 1, close - i - 1), lines))
          if (!v.empty()) a.values.push_back(unquote(v, lines));
      } else {
        std::string type = lower(read_token(t, &i, "", lines));
        if (type == "numeric" || type == "real" || type == "integer")
          a.type = AttrType::kNumeric;
        else if (type == "string")
          a.type = AttrType::kString;
        else if (type == "date")
          a.type = AttrType::kDate;
        else
          throw lines.error("attribute '" + a.name + "' has unsupported type '" + type +
                            "' (expected numeric, real, integer, string, date or {values})");
      }
      h.attrs.push_back(std::move(a));
    } else if (keyword == "@data") {
      if (!relation_seen) throw lines.error("@data before @relation");
      if (h.attrs.empty()) throw lines.error("@data before any @attribute");
      return h;
    } else if (relation_seen && !h.attrs.empty() && keyword.rfind('@', 0) != 0) {
      // Attributes, then a row: the @data line that separates them is missing.
      throw lines.error("the @data line is missing: expected @attribute or @data, found '" +
                        std::string(t.substr(0, 40)) + "'");
    } else {
      throw lines.error("expected @relation, @attribute or @data, found '" +
                        std::string(t.substr(0, 40)) + "'");
    }
  }
  throw input_error_at(lines.path(), lines.number(), "no @data section");
}

bool same_header(const Header& a, const Header& b) {
  if (a.attrs.size() != b.attrs.size()) return false;
  for (size_t k = 0; k < a.attrs.size(); ++k)
    if (a.attrs[k].name != b.attrs[k].name || a.attrs[k].type != b.attrs[k].type ||
        a.attrs[k].values != b.attrs[k].values)
      return false;
  return true;
}

// MEKA's label count from the relation name: the whole token after the first '-C' token
// (positive: the first n attributes are labels; negative: the last n). As MEKA's own reader,
// anything but a whole integer there is an error naming the relation ('-C 75-weka...' is not 75).
int meka_label_option(const std::string& relation, const std::string& path) {
  std::istringstream tokens(relation);
  std::string token;
  while (tokens >> token && token != "-C") {
  }
  if (token != "-C")
    throw input_error_at(path, 0,
                         "no label file given and the relation name has no MEKA '-C n' option; "
                         "pass the Mulan XML label file (--xml)");
  std::string value;
  tokens >> value;
  static const std::regex integer(R"(-?\d{1,9})");
  if (!std::regex_match(value, integer))
    throw input_error_at(path, 0,
                         "relation '" + relation.substr(0, 80) +
                             "': MEKA option -C needs a whole integer, found '" +
                             value.substr(0, 40) + "'");
  return std::stoi(value);
}

// Which attributes are labels, in ARFF order.
std::vector<int> resolve_labels(const Header& h, const std::string& path, const ArffOptions& opt) {
  const int m = static_cast<int>(h.attrs.size());
  std::vector<int> labels;
  if (!opt.labels_xml.empty()) {
    std::map<std::string, std::vector<int>> by_name;  // duplicates consumed in order
    for (int k = m - 1; k >= 0; --k) by_name[h.attrs[k].name].push_back(k);
    for (const std::string& name : read_mulan_labels(opt.labels_xml)) {
      auto it = by_name.find(name);
      if (it == by_name.end() || it->second.empty())
        throw input_error_at(opt.labels_xml, 0,
                             "label '" + name + "' is not an attribute of " + path);
      labels.push_back(it->second.back());
      it->second.pop_back();
    }
    std::sort(labels.begin(), labels.end());
  } else {
    const int c = meka_label_option(h.relation, path);
    if (c == 0 || std::abs(c) >= m)
      throw input_error_at(path, 0,
                           "MEKA option -C " + std::to_string(c) + " does not fit " +
                               std::to_string(m) + " attributes");
    for (int k = 0; k < std::abs(c); ++k) labels.push_back(c > 0 ? k : m + c + k);
  }
  for (int k : labels) {
    const Attribute& a = h.attrs[k];
    bool ok = a.type == AttrType::kNumeric;
    if (a.type == AttrType::kNominal) {
      ok = !a.values.empty();
      for (const auto& v : a.values) ok = ok && (v == "0" || v == "1");
    }
    if (!ok)
      throw input_error_at(path, 0,
                           "label attribute '" + a.name + "' must be nominal {0,1} or numeric 0/1");
  }
  if (labels.empty()) throw input_error_at(path, 0, "no label attributes");
  return labels;
}

double parse_number(std::string_view token, const Attribute& a, const Lines& where) {
  double x = 0;
  const char* begin = token.data();
  const char* end = token.data() + token.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, x);
  if (ec != std::errc() || ptr != end || token.empty())
    throw where.error("attribute '" + a.name + "': '" + std::string(token) + "' is not a number");
  if (!std::isfinite(x))
    throw where.error("attribute '" + a.name + "': NaN or infinite value '" + std::string(token) +
                      "'");
  return x;
}

// The stored value of one field: number, nominal index, 0/1 for labels, NaN for '?'.
// Returns false for attributes that are not stored (string, date).
bool field_value(std::string_view field, const Attribute& a, bool is_label, const Lines& where,
                 double* out) {
  if (a.type == AttrType::kString || a.type == AttrType::kDate) return false;
  if (field == "?") {
    if (is_label) throw where.error("label '" + a.name + "' is missing ('?')");
    *out = kMissing;
    return true;
  }
  if (a.type == AttrType::kNumeric) {
    *out = parse_number(field, a, where);
  } else {
    std::string v = field.size() && (field[0] == '\'' || field[0] == '"') ? unquote(field, where)
                                                                          : std::string(field);
    auto it = std::find(a.values.begin(), a.values.end(), v);
    if (it == a.values.end())
      throw where.error("'" + v + "' is not a declared value of nominal attribute '" + a.name +
                        "'");
    *out = is_label ? std::stod(v) : static_cast<double>(it - a.values.begin());
  }
  if (is_label && *out != 0.0 && *out != 1.0)
    throw where.error("label '" + a.name + "' has value '" + std::string(field) +
                      "'; labels must be 0 or 1");
  return true;
}

void parse_rows(Lines& lines, const Header& h, const std::vector<char>& is_label, RawRows* rows) {
  const int m = static_cast<int>(h.attrs.size());
  std::string_view line;
  while (lines.next(&line)) {
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '%') continue;
    if (t[0] == '{') {
      size_t close = t.find('}');
      if (close == std::string_view::npos) throw lines.error("sparse row without closing '}'");
      std::string_view body = trim(t.substr(1, close - 1));
      if (!body.empty()) {
        int last = -1;
        for (std::string_view item : split_fields(body, lines)) {
          size_t sp = 0;
          while (sp < item.size() && !std::isspace(static_cast<unsigned char>(item[sp]))) ++sp;
          int index = -1;
          auto [ptr, ec] = std::from_chars(item.data(), item.data() + sp, index);
          if (ec != std::errc() || ptr != item.data() + sp || sp == item.size())
            throw lines.error("sparse entry '" + std::string(item) + "' is not 'index value'");
          if (index < 0 || index >= m)
            throw lines.error("sparse index " + std::to_string(index) + " out of range (" +
                              std::to_string(m) + " attributes)");
          if (index <= last)
            throw lines.error("sparse indices not increasing at " + std::to_string(index));
          last = index;
          double v;
          if (field_value(trim(item.substr(sp)), h.attrs[index], is_label[index], lines, &v) &&
              v != 0.0) {
            rows->attr.push_back(index);
            rows->value.push_back(v);
          }
        }
      }
    } else {
      std::vector<std::string_view> fields = split_fields(t, lines);
      if (static_cast<int>(fields.size()) != m)
        throw lines.error("expected " + std::to_string(m) + " values, found " +
                          std::to_string(fields.size()));
      for (int k = 0; k < m; ++k) {
        double v;
        if (field_value(fields[k], h.attrs[k], is_label[k], lines, &v) && v != 0.0) {
          rows->attr.push_back(k);
          rows->value.push_back(v);
        }
      }
    }
    rows->row_ptr.push_back(static_cast<int64_t>(rows->attr.size()));
  }
}

// Appends `code` (a Unicode scalar value) as UTF-8.
void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The value of a character reference's body ("#38", "#x26"), or -1 unless it is one: decimal
// digits, or 'x' and hex digits, naming a Unicode scalar value (XML 1.0 §4.1).
long character_reference(const std::string& ent) {
  const bool hex = ent.size() > 1 && ent[1] == 'x';
  const std::string digits = ent.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return -1;
  long code = 0;
  for (char c : digits) {
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : hex && std::isxdigit(static_cast<unsigned char>(c))
                      ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                      : -1;
    if (v < 0) return -1;
    code = code * (hex ? 16 : 10) + v;
  }
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return -1;
  return code;
}

// The label name `s` with XML's predefined entities and character references replaced; a
// malformed character reference is an InputError at `path`:`line`.
std::string decode_xml_entities(const std::string& s, const std::string& path, long line) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    std::string ent = semi == std::string::npos ? "" : s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      const long code = character_reference(ent);
      if (code < 0)
        throw input_error_at(path, line,
                             "malformed character reference '&" + ent.substr(0, 20) +
                                 ";' in a label name (expected &#DIGITS; or &#xHEX; naming a "
                                 "Unicode character)");
      append_utf8(out, static_cast<uint32_t>(code));
    } else {
      out += '&';
      continue;
    }
    i = semi;
  }
  return out;
}

// Feature columns after encoding, one entry per kept source attribute.
struct Encoding {
  std::vector<int> source;        // encoded column -> attribute
  std::vector<int> first_column;  // attribute -> first encoded column, -1 if not a feature
  std::vector<int> width;         // attribute -> encoded columns (0 if not a feature)
  std::vector<char> one_hot;      // attribute -> one-hot encoded
};

}  // namespace

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (path.size() < 4 || path.compare(path.size() - 4, 4, ".bz2") != 0) return raw;
  std::string out;
  size_t offset = 0;
  while (offset < raw.size()) {  // concatenated streams
    bz_stream bz{};
    if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK) throw InputError(path + ": bzip2 init failed");
    bz.next_in = raw.data() + offset;
    bz.avail_in = static_cast<unsigned>(raw.size() - offset);
    char buffer[1 << 16];
    int rc = BZ_OK;
    while (rc == BZ_OK) {
      bz.next_out = buffer;
      bz.avail_out = sizeof buffer;
      rc = BZ2_bzDecompress(&bz);
      if (rc != BZ_OK && rc != BZ_STREAM_END) {
        BZ2_bzDecompressEnd(&bz);
        throw InputError(path + ": corrupt bzip2 data (error " + std::to_string(rc) + ")");
      }
      out.append(buffer, sizeof buffer - bz.avail_out);
      if (rc == BZ_OK && bz.avail_in == 0 && bz.avail_out != 0) {
        BZ2_bzDecompressEnd(&bz);
        throw InputError(path + ": truncated bzip2 data");
      }
    }
    offset = raw.size() - bz.avail_in;
    BZ2_bzDecompressEnd(&bz);
  }
  return out;
}

std::vector<std::string> read_mulan_labels(const std::string& xml_path) {
  std::string text = read_file_text(xml_path);
  std::vector<std::string> names;
  static const std::regex tag(R"re(<label\s+name\s*=\s*("([^"]*)"|'([^']*)'))re");
  long line = 1;
  auto counted = text.begin();  // newlines before here are in `line`
  for (auto it = std::sregex_iterator(text.begin(), text.end(), tag); it != std::sregex_iterator();
       ++it) {
    const auto at = text.begin() + it->position();
    line += std::count(counted, at, '\n');
    counted = at;
    names.push_back(
        decode_xml_entities((*it)[2].matched ? (*it)[2].str() : (*it)[3].str(), xml_path, line));
  }
  if (names.empty())
    throw InputError(xml_path + ": no <label name=\"...\"> entries (not a Mulan label file?)");
  return names;
}

namespace {

// The feature attributes' columns: two-valued nominals one 0/1 column, k-valued ones k one-hot
// columns; string/date attributes and identifier-like nominals are dropped with a notice.
Encoding encode_features(const Header& header, const std::vector<char>& is_label,
                         const ArffOptions& opt, Dataset& ds, std::vector<std::string>& names) {
  const int m = static_cast<int>(header.attrs.size());
  Encoding enc;
  enc.first_column.assign(m, -1);
  enc.width.assign(m, 0);
  enc.one_hot.assign(m, 0);
  std::vector<std::string> dropped_text, dropped_ids;
  for (int k = 0; k < m; ++k) {
    const Attribute& a = header.attrs[k];
    if (is_label[k]) continue;
    if (a.type == AttrType::kString || a.type == AttrType::kDate) {
      dropped_text.push_back(a.name);
      continue;
    }
    if (a.type == AttrType::kNominal &&
        static_cast<int64_t>(a.values.size()) > opt.max_nominal_values) {
      dropped_ids.push_back(a.name);
      continue;
    }
    ++ds.feature_attributes;
    enc.first_column[k] = static_cast<int>(enc.source.size());
    if (a.type == AttrType::kNominal && a.values.size() > 2) {
      enc.one_hot[k] = 1;
      enc.width[k] = static_cast<int>(a.values.size());
      for (const auto& v : a.values) names.push_back(a.name + "=" + v), enc.source.push_back(k);
    } else {
      enc.width[k] = 1;
      names.push_back(a.name);
      enc.source.push_back(k);
    }
  }
  // Identifier and text attributes still count as the source's feature attributes.
  ds.feature_attributes += static_cast<int64_t>(dropped_text.size() + dropped_ids.size());
  for (const auto& a : dropped_text)
    ds.notices.push_back("dropped string/date attribute '" + a + "'");
  for (const auto& a : dropped_ids)
    ds.notices.push_back("dropped nominal attribute '" + a + "' (more than " +
                         std::to_string(opt.max_nominal_values) + " values: an identifier)");
  return enc;
}

// Observed column sums and each column's observed mean (what a missing value becomes).
struct ColumnStatistics {
  std::vector<double> sum, impute;
  int64_t missing = 0;
};

ColumnStatistics column_statistics(const RawRows& rows, const Encoding& enc, int m, int64_t n) {
  const int64_t D = static_cast<int64_t>(enc.source.size());
  ColumnStatistics st;
  st.sum.assign(D, 0.0);
  std::vector<int64_t> missing(m, 0), nonzero(m, 0);
  for (int64_t e = 0; e < static_cast<int64_t>(rows.attr.size()); ++e) {
    int k = rows.attr[e];
    if (enc.width[k] == 0) continue;
    double v = rows.value[e];
    if (std::isnan(v))
      ++missing[k];
    else if (enc.one_hot[k])
      st.sum[enc.first_column[k] + static_cast<int>(v)] += 1.0, ++nonzero[k];
    else
      st.sum[enc.first_column[k]] += v;
  }
  for (int k = 0; k < m; ++k) {
    if (enc.one_hot[k])
      st.sum[enc.first_column[k]] += static_cast<double>(n - missing[k] - nonzero[k]);
    st.missing += missing[k];
  }
  st.impute.assign(D, 0.0);
  for (int64_t c = 0; c < D; ++c) {
    int64_t observed = n - missing[enc.source[c]];
    st.impute[c] = observed > 0 ? st.sum[c] / static_cast<double>(observed) : 0.0;
  }
  return st;
}

// Keep ratio: the top fraction of columns by column sum, ties to the lower index. Returns each
// column's kept position (-1: dropped) and sets `kept`.
std::vector<int64_t> kept_columns(const std::vector<double>& colsum, double keep_ratio,
                                  int64_t& kept, Dataset& ds) {
  const int64_t D = static_cast<int64_t>(colsum.size());
  std::vector<int64_t> kept_of(D, -1);
  kept = D;
  if (keep_ratio >= 1.0) {
    std::iota(kept_of.begin(), kept_of.end(), 0);
    return kept_of;
  }
  kept =
      std::max<int64_t>(1, static_cast<int64_t>(std::floor(keep_ratio * static_cast<double>(D))));
  std::vector<int64_t> order(D);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return colsum[a] > colsum[b]; });
  order.resize(kept);
  std::sort(order.begin(), order.end());
  for (int64_t c = 0; c < kept; ++c) kept_of[order[c]] = c;
  ds.notices.push_back("kept " + std::to_string(kept) + " of " + std::to_string(D) +
                       " feature columns by column sum (keep ratio " + std::to_string(keep_ratio) +
                       ")");
  return kept_of;
}

}  // namespace

Dataset read_arff(const std::vector<std::string>& paths, const ArffOptions& opt) {
  if (paths.empty()) throw std::logic_error("read_arff: no paths");
  if (!(opt.keep_ratio > 0.0 && opt.keep_ratio <= 1.0))
    throw InputError("keep ratio must be in (0, 1], got " + std::to_string(opt.keep_ratio));
  Header header;
  std::vector<int> label_attrs;
  std::vector<char> is_label;
  RawRows rows;
  int64_t first_file_rows = 0;
  for (size_t f = 0; f < paths.size(); ++f) {
    std::string text = read_file_text(paths[f]);
    Lines lines(text, paths[f]);
    Header h = parse_header(lines);
    if (f == 0) {
      header = std::move(h);
      label_attrs = resolve_labels(header, paths[f], opt);
      is_label.assign(header.attrs.size(), 0);
      for (int k : label_attrs) is_label[k] = 1;
    } else if (!same_header(header, h)) {
      throw InputError(paths[f] + ": its attributes differ from those of " + paths[0]);
    }
    parse_rows(lines, header, is_label, &rows);
    if (f == 0) first_file_rows = rows.rows();
  }
  const int m = static_cast<int>(header.attrs.size());
  const int64_t n = rows.rows();
  if (n == 0) throw InputError(paths[0] + ": no data rows");

  Dataset ds;
  std::string stem = paths[0].substr(paths[0].find_last_of('/') + 1);
  ds.name = stem.substr(0, stem.find('.'));
  ds.official_train_rows = paths.size() == 2 ? first_file_rows : -1;

  std::vector<std::string> names;
  const Encoding enc = encode_features(header, is_label, opt, ds, names);
  const int64_t D = static_cast<int64_t>(enc.source.size());
  if (D == 0) throw InputError(paths[0] + ": no feature attributes");

  const ColumnStatistics stats = column_statistics(rows, enc, m, n);
  const std::vector<double>& impute = stats.impute;
  int64_t kept = 0;
  const std::vector<int64_t> kept_of = kept_columns(stats.sum, opt.keep_ratio, kept, ds);
  if (stats.missing > 0)
    ds.notices.push_back("imputed " + std::to_string(stats.missing) +
                         " missing feature values ('?') with their column's observed mean");

  // Pass B: materialise X (kept columns only) and Y.
  const int64_t q = static_cast<int64_t>(label_attrs.size());
  std::vector<int64_t> label_col(m, -1);
  for (int64_t j = 0; j < q; ++j) label_col[label_attrs[j]] = j;
  torch::Tensor X = torch::zeros({n, kept}, torch::kFloat);
  torch::Tensor Y = torch::zeros({n, q}, torch::kFloat);
  float* x = X.data_ptr<float>();
  float* y = Y.data_ptr<float>();
  auto set = [&](int64_t i, int64_t c, double v) {
    if (kept_of[c] >= 0) x[i * kept + kept_of[c]] = static_cast<float>(v);
  };
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < m; ++k)  // sparse-omitted nominal = its first value
      if (enc.one_hot[k]) set(i, enc.first_column[k], 1.0);
    for (int64_t e = rows.row_ptr[i]; e < rows.row_ptr[i + 1]; ++e) {
      int k = rows.attr[e];
      double v = rows.value[e];
      if (label_col[k] >= 0) {
        y[i * q + label_col[k]] = static_cast<float>(v);
      } else if (enc.width[k] > 0) {
        int c0 = enc.first_column[k];
        if (std::isnan(v)) {
          for (int w = 0; w < enc.width[k]; ++w) set(i, c0 + w, impute[c0 + w]);
        } else if (enc.one_hot[k]) {
          set(i, c0, 0.0);
          set(i, c0 + static_cast<int>(v), 1.0);
        } else {
          set(i, c0, v);
        }
      }
    }
  }
  for (int64_t c = 0; c < D; ++c)
    if (kept_of[c] >= 0) ds.feature_names.push_back(names[c]);
  for (int k : label_attrs) ds.label_names.push_back(header.attrs[k].name);
  ds.X = X;
  ds.Y = Y;
  return ds;
}

}  // namespace d2ace

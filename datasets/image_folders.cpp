#include "datasets/image_folders.h"

#include <ATen/Parallel.h>
#include <stb_image.h>
#include <stb_image_resize.h>
#include <sys/stat.h>
#include <tinyxml2.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/seeds.h"
#include "datasets/arff.h"

namespace d2ace {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kDefaultSize = 64;
constexpr int64_t kChannels = 3;

// "voc:DIR:size=96" -> {"voc", "DIR", 96}.
struct FolderSpec {
  std::string kind, path;
  int64_t size = kDefaultSize;
};

FolderSpec parse_folder_spec(const std::string& name) {
  FolderSpec s;
  const size_t colon = name.find(':');
  s.kind = name.substr(0, colon);
  s.path = name.substr(colon + 1);
  const size_t at = s.path.rfind(":size=");
  if (at != std::string::npos) {
    const std::string value = s.path.substr(at + 6);
    s.path = s.path.substr(0, at);
    char* end = nullptr;
    s.size = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || s.size < 8 || s.size > 1024)
      throw InputError("dataset '" + name + "': size='" + value + "' is not a side in 8..1024");
  }
  if (s.path.empty())
    throw InputError("dataset '" + name + "': no " + (s.kind == "voc" ? "folder" : "file") +
                     " after '" + s.kind + ":'");
  return s;
}

// The image ids of a VOC list file, one per line (VOC's per-class files add a flag: ignored).
std::vector<std::string> read_id_list(const std::string& path) {
  std::istringstream in(read_file_text(path));
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string id;
    if (words >> id) ids.push_back(id);
  }
  if (ids.empty()) throw InputError(path + ": lists no image");
  return ids;
}

// The cache file's name: a hash of the kind, the size, the annotations' bytes (hashed as they
// were read) and each image's path, byte size and modification time.
std::string cache_key(const std::string& kind, int64_t size, const ImageList& list) {
  uint64_t h = derive_seed(list.annotations_digest, {kind, std::to_string(size)});
  for (const auto& img : list.images) {
    struct stat st {};
    const bool known = ::stat(img.c_str(), &st) == 0;
    h = derive_seed(
        h, {img, known ? std::to_string(st.st_size) : "",
            known ? std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec)
                  : ""});
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return kind + "-" + std::to_string(size) + "-" + hex + ".u8";
}

constexpr char kCacheMagic[8] = {'D', '2', 'I', 'M', 'G', 'v', '1', '\n'};

torch::Tensor read_cache(const std::string& path, int64_t n, int64_t width) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  char magic[8];
  int64_t dims[2];
  if (!in.read(magic, 8) || !std::equal(magic, magic + 8, kCacheMagic) ||
      !in.read(reinterpret_cast<char*>(dims), sizeof dims) || dims[0] != n || dims[1] != width)
    return {};
  torch::Tensor X = torch::empty({n, width}, torch::kUInt8);
  if (!in.read(reinterpret_cast<char*>(X.data_ptr<uint8_t>()), n * width)) return {};
  return X;
}

// Written to a temporary file and renamed, so a reader never sees half a cache; false when the
// folder is not writable or the disk is full (the cache is an optimisation).
bool write_cache(const std::string& path, const torch::Tensor& X) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    const int64_t dims[2] = {X.size(0), X.size(1)};
    out.write(kCacheMagic, 8);
    out.write(reinterpret_cast<const char*>(dims), sizeof dims);
    out.write(reinterpret_cast<const char*>(X.data_ptr<uint8_t>()), X.numel());
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

}  // namespace

bool is_image_folder_name(const std::string& name) {
  return name.rfind("voc:", 0) == 0 || name.rfind("coco:", 0) == 0;
}

VocAnnotation parse_voc_annotation(const std::string& xml, const std::string& where) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS)
    throw InputError(where + ":" + std::to_string(std::max(1, doc.ErrorLineNum())) +
                     ": malformed XML (" + doc.ErrorName() + ")");
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (!root || std::string(root->Name()) != "annotation")
    throw InputError(where + ": not a VOC annotation (no <annotation> root element)");
  VocAnnotation a;
  if (const auto* f = root->FirstChildElement("filename"); f && f->GetText())
    a.filename = f->GetText();
  for (const auto* o = root->FirstChildElement("object"); o; o = o->NextSiblingElement("object")) {
    const auto* n = o->FirstChildElement("name");
    if (!n || !n->GetText() || !*n->GetText())
      throw InputError(where + ":" + std::to_string(o->GetLineNum()) +
                       ": an <object> without a <name>");
    a.classes.emplace_back(n->GetText());
  }
  return a;
}

ImageList read_voc(const std::string& dir) {
  const fs::path root(dir);
  const fs::path lists = root / "ImageSets" / "Main";
  std::vector<std::vector<std::string>> parts;
  parts.push_back(read_id_list((lists / "trainval.txt").string()));
  const bool has_test = fs::exists(lists / "test.txt");
  if (has_test) parts.push_back(read_id_list((lists / "test.txt").string()));

  ImageList out;
  std::vector<std::vector<std::string>> classes_of;
  std::set<std::string> names;
  for (const auto& ids : parts)
    for (const auto& id : ids) {
      const std::string xml_path = (root / "Annotations" / (id + ".xml")).string();
      if (!fs::exists(xml_path))
        throw InputError(xml_path + ": not found (image '" + id + "' is listed in " +
                         (lists / (&ids == &parts.front() ? "trainval.txt" : "test.txt")).string() +
                         ")");
      const std::string xml = read_file_text(xml_path);
      out.annotations_digest = derive_seed(out.annotations_digest, {xml});
      VocAnnotation a = parse_voc_annotation(xml, xml_path);
      const std::string image =
          (root / "JPEGImages" / (a.filename.empty() ? id + ".jpg" : a.filename)).string();
      if (!fs::exists(image))
        throw InputError(xml_path + ": names the image " + image + ", which does not exist");
      out.images.push_back(image);
      names.insert(a.classes.begin(), a.classes.end());
      classes_of.push_back(std::move(a.classes));
    }
  out.label_names.assign(names.begin(), names.end());
  for (const auto& classes : classes_of) {
    std::vector<int64_t> labels;
    for (const auto& c : classes)
      labels.push_back(std::lower_bound(out.label_names.begin(), out.label_names.end(), c) -
                       out.label_names.begin());
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    out.labels.push_back(std::move(labels));
  }
  if (has_test) out.train_rows = static_cast<int64_t>(parts.front().size());
  return out;
}

ImageList parse_coco(const std::string& json_text, const std::string& where,
                     const std::string& folder) {
  using Json = nlohmann::json;
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a huge number
    throw InputError(where + ": not valid JSON (" + std::string(e.what()).substr(0, 120) + ")");
  }
  auto array = [&](const char* key) -> const Json& {
    if (!doc.is_object() || !doc.contains(key) || !doc[key].is_array())
      throw InputError(where + ": no \"" + std::string(key) +
                       "\" array (not a COCO instances file)");
    return doc[key];
  };
  auto field = [&](const Json& item, const char* key, const char* what, size_t at,
                   bool number) -> const Json& {
    if (!item.is_object() || !item.contains(key) ||
        (number ? !item[key].is_number_integer() : !item[key].is_string()))
      throw InputError(where + ": " + what + " " + std::to_string(at) + " has no " +
                       (number ? "integer" : "string") + " \"" + key + "\"");
    return item[key];
  };
  ImageList out;
  std::vector<std::pair<int64_t, std::string>> categories;
  const Json& cats = array("categories");
  for (size_t i = 0; i < cats.size(); ++i)
    categories.emplace_back(field(cats[i], "id", "category", i, true).get<int64_t>(),
                            field(cats[i], "name", "category", i, false).get<std::string>());
  std::sort(categories.begin(), categories.end());
  std::map<int64_t, int64_t> label_of;
  for (const auto& [id, name] : categories) {
    if (label_of.count(id))
      throw InputError(where + ": category id " + std::to_string(id) + " is listed twice");
    label_of[id] = static_cast<int64_t>(out.label_names.size());
    out.label_names.push_back(name);
  }
  std::map<int64_t, size_t> row_of;
  const Json& images = array("images");
  if (images.empty()) throw InputError(where + ": lists no image");
  for (size_t i = 0; i < images.size(); ++i) {
    const int64_t id = field(images[i], "id", "image", i, true).get<int64_t>();
    const std::string file = field(images[i], "file_name", "image", i, false).get<std::string>();
    if (!row_of.emplace(id, i).second)
      throw InputError(where + ": image id " + std::to_string(id) + " is listed twice");
    out.images.push_back((fs::path(folder) / file).string());
  }
  out.labels.resize(images.size());
  const Json& annotations = array("annotations");
  for (size_t i = 0; i < annotations.size(); ++i) {
    const int64_t image = field(annotations[i], "image_id", "annotation", i, true).get<int64_t>();
    const int64_t category =
        field(annotations[i], "category_id", "annotation", i, true).get<int64_t>();
    const auto row = row_of.find(image);
    if (row == row_of.end())
      throw InputError(where + ": annotation " + std::to_string(i) + " names image id " +
                       std::to_string(image) + ", which \"images\" does not list");
    const auto label = label_of.find(category);
    if (label == label_of.end())
      throw InputError(where + ": annotation " + std::to_string(i) + " names category id " +
                       std::to_string(category) + ", which \"categories\" does not list");
    out.labels[row->second].push_back(label->second);
  }
  for (auto& labels : out.labels) {
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  }
  return out;
}

ImageList read_coco(const std::string& json_path) {
  const std::string json = read_file_text(json_path);
  ImageList out = parse_coco(json, json_path, fs::path(json_path).parent_path().string());
  out.annotations_digest = derive_seed(0, {json});
  return out;
}

std::vector<std::string> image_folder_files(const std::string& name) {
  const FolderSpec s = parse_folder_spec(name);
  const std::string file = s.kind == "voc"
                               ? (fs::path(s.path) / "ImageSets" / "Main" / "trainval.txt").string()
                               : s.path;
  if (s.kind == "voc" && !fs::is_directory(s.path))
    throw InputError("dataset '" + name + "': " + s.path + " is not a folder");
  if (!fs::exists(file))
    throw InputError("dataset '" + name + "': " + file + " not found" +
                     (s.kind == "voc" ? " (a PASCAL VOC folder lists its images there)" : ""));
  return {file};
}

torch::Tensor decode_images(const std::vector<std::string>& images, int64_t size) {
  const auto n = static_cast<int64_t>(images.size());
  const int64_t plane = size * size;
  torch::Tensor X = torch::empty({n, kChannels * plane}, torch::kUInt8);
  uint8_t* x = X.data_ptr<uint8_t>();
  // Images decode in parallel; the error reported is the first failing image's, whatever the
  // threads' order.
  std::mutex mutex;
  int64_t failed_at = n;
  std::string failure;
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    std::vector<uint8_t> resized(static_cast<size_t>(plane * kChannels));
    for (int64_t i = begin; i < end; ++i) {
      const std::string& path = images[static_cast<size_t>(i)];
      std::string error;
      int w = 0, h = 0, channels = 0;
      std::unique_ptr<stbi_uc, void (*)(void*)> pixels(nullptr, stbi_image_free);
      const bool exists = fs::exists(path);
      if (exists)
        pixels.reset(stbi_load(path.c_str(), &w, &h, &channels, static_cast<int>(kChannels)));
      if (!exists) {
        error = path + ": image not found";
      } else if (!pixels) {
        error = path + ": cannot decode the image (" + stbi_failure_reason() + ")";
      } else if (stbir_resize_uint8(pixels.get(), w, h, 0, resized.data(), static_cast<int>(size),
                                    static_cast<int>(size), 0, static_cast<int>(kChannels)) == 0) {
        error = path + ": cannot resize the image";
      }
      if (!error.empty()) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (i < failed_at) failed_at = i, failure = error;
        return;
      }
      uint8_t* row = x + i * kChannels * plane;  // interleaved RGB -> C, H, W
      for (int64_t p = 0; p < plane; ++p)
        for (int64_t c = 0; c < kChannels; ++c)
          row[c * plane + p] = resized[static_cast<size_t>(p * kChannels + c)];
    }
  });
  if (failed_at < n) throw InputError(failure);
  return X;
}

Dataset load_image_folder(const std::string& name, const std::string& data_dir) {
  const FolderSpec s = parse_folder_spec(name);
  image_folder_files(name);
  const ImageList list = s.kind == "voc" ? read_voc(s.path) : read_coco(s.path);
  if (list.label_names.empty())  // before decoding anything
    throw InputError("dataset '" + name + "': its annotations name no class");
  const auto n = static_cast<int64_t>(list.images.size());
  const int64_t width = kChannels * s.size * s.size;
  Dataset ds;
  ds.name = name;
  const std::string cache =
      (fs::path(data_dir) / "image-cache" / cache_key(s.kind, s.size, list)).string();
  ds.X = read_cache(cache, n, width);
  if (!ds.X.defined()) {
    ds.X = decode_images(list.images, s.size);
    if (!write_cache(cache, ds.X))
      ds.notices.push_back("could not write the image cache " + cache +
                           "; images are decoded again next time");
  }
  ds.Y = torch::zeros({n, static_cast<int64_t>(list.label_names.size())}, torch::kFloat);
  auto y = ds.Y.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j : list.labels[static_cast<size_t>(i)]) y[i][j] = 1.0f;
  ds.label_names = list.label_names;
  ds.image_shape = {kChannels, s.size, s.size};
  ds.feature_attributes = width;
  ds.official_train_rows = list.train_rows;
  return ds;
}

}  // namespace d2ace

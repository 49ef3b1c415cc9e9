// Image datasets a user brings: `voc:DIR` (the PASCAL VOC layout) and `coco:FILE.json` (a COCO
// instances file), decoded once, resized and cached.
//
// voc:DIR reads DIR/ImageSets/Main/trainval.txt and, when present, test.txt (the official split:
// trainval rows first), each image's DIR/Annotations/ID.xml and its DIR/JPEGImages/FILENAME (the
// annotation's <filename>, else ID.jpg). Labels: the object classes that occur in the annotations
// read, sorted by name; an image's label set: the classes of its objects.
// coco:FILE.json reads the file's "images", "annotations" and "categories"; images are read from
// the JSON file's folder (DIR/file_name). Labels: the categories in id order; every listed image
// is an instance, in the file's order; no official split.
// Either may end in ":size=N" (default 64): the side every image is resized to (stb, RGB).
//
// Pixels are cached as a uint8 file in the data directory's image-cache/ folder, named by a hash
// of the inputs (the annotations' bytes, each image's path, size and modification time, and the
// size), so a second run does not decode again; an unwritable cache is skipped with a notice.
// Bad input is an InputError naming the file: a missing or undecodable image, a missing
// annotation, an annotation naming an unknown image or category, an empty image list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset.h"

namespace d2ace {

bool is_image_folder_name(const std::string& name);  // "voc:..." or "coco:..."

// What an annotation set lists: the image files, each image's labels, the label names.
struct ImageList {
  std::vector<std::string> images;
  std::vector<std::vector<int64_t>> labels;
  std::vector<std::string> label_names;
  int64_t train_rows = -1;          // the official split's training rows, first; -1 for none
  uint64_t annotations_digest = 0;  // a hash of the annotations' bytes as read (cache key)
};

// One VOC annotation: the image's file name (empty when absent) and its objects' class names.
struct VocAnnotation {
  std::string filename;
  std::vector<std::string> classes;
};
VocAnnotation parse_voc_annotation(const std::string& xml, const std::string& where);
// A COCO instances document; `folder` prefixes each file_name.
ImageList parse_coco(const std::string& json_text, const std::string& where,
                     const std::string& folder);

ImageList read_voc(const std::string& dir);
ImageList read_coco(const std::string& json_path);

// The files a spec names that must exist before loading (the folder's list files, the JSON).
std::vector<std::string> image_folder_files(const std::string& name);
// Loads "voc:DIR[:size=N]" or "coco:FILE[:size=N]"; `data_dir` holds the cache.
Dataset load_image_folder(const std::string& name, const std::string& data_dir);

// Decodes `images` (PNG, JPEG, BMP, ... through stb_image) as RGB, each resized to size x size:
// uint8 [n, 3*size*size] in C, H, W order. InputError naming an image that is missing or that
// does not decode (the first such image in the list; images decode in parallel).
torch::Tensor decode_images(const std::vector<std::string>& images, int64_t size);

}  // namespace d2ace

#include "core/dataset.h"

namespace d2ace {

Dataset take_rows(const Dataset& data, const torch::Tensor& index) {
  Dataset out;
  out.name = data.name;
  out.X = data.X.index_select(0, index);
  out.Y = data.Y.index_select(0, index);
  out.feature_names = data.feature_names;
  out.label_names = data.label_names;
  out.feature_attributes = data.feature_attributes;
  out.official_train_rows = -1;
  out.notices = data.notices;
  out.image_shape = data.image_shape;
  return out;
}

}  // namespace d2ace

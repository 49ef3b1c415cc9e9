// The --protocol presets: the settings a protocol stands for. They fill in only the options the
// command line (or a matrix cell) leaves at their defaults, and model parameters under any
// --model-param given, so that every setting stays reachable by a flag.
//
// d2ace-paper: the released D2ACE pipeline (method.md §5, §7), exactly: CLIF; 5-fold iterative
// stratification with seed 55; 10 % validation; labels with <= 20 positives and instances without
// labels dropped; min-max scaling; one Adam over every parameter (--param-groups single, so DELA's
// gate ratio does not apply) at lr 1e-4 and weight decay 1e-4; a linear warm-up over 10 x
// floor(N_fold / 128) steps, N_fold being the training part before the validation hold-out
// (--lr-warmup-basis fold); batch 128; 100 epochs; threshold 0.5; the weights of best validation
// macro-AUC.
//
// backbone-papers: the same data, split, scaling, checkpoint and selector settings, so selectors
// are compared as D2ACE's paper compares them, but each backbone trained by its own paper's recipe
// (README "Protocols" gives the table with sources; each model's header repeats its row).
//
// image: the image track's defaults, ours (D2ACE's image protocol is not published): cnn; 5-fold
// iterative stratification with seed 55; 10 % validation; no label pruning; Adam at lr 1e-3 and
// weight decay 1e-4, warmed up over one epoch and multiplied by 0.2 at 1/3 and 2/3 of the run;
// batch 64; 20 epochs; threshold 0.5; the weights of best validation macro-AUC; the cnn's
// augmentation (random crop with 4 pixels of padding, horizontal flip) on.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace d2ace {

struct ProtocolPreset {
  std::vector<std::string> args;                    // run options, as on the command line
  std::map<std::string, std::string> model_params;  // under the --model-param values given
};

// The preset of `protocol` ("d2ace-paper", "backbone-papers" or "image") for `model` on `dataset`
// (a catalogue name or a path; recipes with per-dataset values match catalogue names). `model` is
// the one given, or empty for the protocol's own. InputError for an unknown protocol, or a model
// without a recipe under backbone-papers.
ProtocolPreset protocol_preset(const std::string& protocol, const std::string& model,
                               const std::string& dataset);

}  // namespace d2ace

#include "bench/run_options.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "bench/protocols.h"
#include "bench/provenance.h"
#include "core/error.h"
#include "datasets/catalog.h"

namespace po = boost::program_options;

namespace d2ace {
namespace {

// A file-name-safe form of a dataset name or path.
std::string sanitize(std::string s) {
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
      ch = '_';
  return s;
}

// The value of `option` named `text` among `choices` (name, value), in the order its message lists
// them; InputError "<option> must be a or b, got '<text>'" otherwise.
template <class T>
T named_choice(const std::string& option, const std::string& text,
               std::initializer_list<std::pair<const char*, T>> choices) {
  std::string names;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    names += (names.empty() ? "" : " or ") + std::string(name);
  }
  throw InputError(option + " must be " + names + ", got '" + text + "'");
}

}  // namespace

namespace {

// The options that need converting after parsing (names to enums, key=value lists, ...); their
// defaults are in add_run_options.
struct RawRunOptions {
  std::string split, scaling, checkpoint, data_dir, protocol, scaling_fit, stop_at, threshold,
      warmup_basis, param_groups;
  std::vector<std::string> model_params, selector_params;
  std::vector<int64_t> folds_only;
  double keep = 0;  // used only when --keep-ratio is given
  uint64_t seed = 0;
};

// Every option of `run`, bound to `r` and `raw`.
void add_run_options(po::options_description& opts, RunOptions& r, RawRunOptions& raw) {
  opts.add_options()("help,h", "show this help")(
      "dataset", po::value<std::string>(&r.config.dataset)->required(),
      "catalogue name (see 'list datasets'), synthetic[:key=value,...], or a path to an .arff "
      "file")("xml", po::value<std::string>(&r.config.labels_xml),
              "Mulan XML label file for a PATH (default: beside it)")(
      "data-dir", po::value<std::string>(&raw.data_dir),
      "data directory (default: $D2ACE_DATA, then datasets/data)")(
      "keep-ratio", po::value<double>(&raw.keep),
      "keep this fraction of feature columns by column sum "
      "(default: the catalogue's, e.g. 0.02 for rcv1)")(
      "model", po::value<std::string>(&r.config.model)->default_value("mlp"),
      "model (see 'list models')")(
      "model-param", po::value<std::vector<std::string>>(&raw.model_params)->composing(),
      "model parameter key=value (repeatable)")(
      "selector", po::value<std::string>(&r.config.selector)->default_value("uniform"),
      "batch selector (see 'list selectors')")(
      "selector-param", po::value<std::vector<std::string>>(&raw.selector_params)->composing(),
      "selector parameter key=value (repeatable)")(
      "split", po::value<std::string>(&raw.split)->default_value("kfold"),
      "kfold (iterative stratification over all instances) or official")(
      "folds", po::value<int64_t>(&r.config.folds)->default_value(5),
      "number of folds for --split kfold")(
      "split-file", po::value<std::string>(&r.config.split_file),
      "take the folds from a JSON file {\"folds\": [{\"test\": [rows], \"validation\": "
      "[rows]}, ...]} of 0-based rows as read (validation optional)")(
      "fold", po::value<std::vector<int64_t>>(&raw.folds_only)->composing(),
      "run only this fold (repeatable; default: all)")(
      "validation", po::value<double>(&r.config.validation_fraction)->default_value(0.1),
      "share of the training part held out for validation")(
      "protocol", po::value<std::string>(&raw.protocol)->default_value("none"),
      "none; d2ace-paper: the released D2ACE pipeline's settings; backbone-papers: its data and "
      "split, each backbone trained by its own paper's recipe (README \"Protocols\"); image: the "
      "image track's defaults for cnn (README \"Images\"); options given explicitly override them")(
      "scaling", po::value<std::string>(&raw.scaling)->default_value("standard"),
      "standard, minmax or none (the reference code uses minmax)")(
      "scaling-fit", po::value<std::string>(&raw.scaling_fit)->default_value("train"),
      "fit the scaler on the training part (train) or on every instance before the split (all: the "
      "released pipeline's leak, Q8)")(
      "drop-rare-labels", po::value<int64_t>(&r.config.drop_rare_labels)->default_value(-1),
      "drop labels with at most K positives (reference: 20; -1 keeps all)")(
      "drop-unlabelled", po::bool_switch(&r.config.drop_unlabelled),
      "drop instances without labels (as the reference code)")(
      "epochs", po::value<int64_t>(&r.config.trainer.epochs)->default_value(30), "training epochs")(
      "batch-size", po::value<int64_t>(&r.config.trainer.batch_size)->default_value(128),
      "batch size")("lr", po::value<double>(&r.config.trainer.learning_rate)->default_value(1e-3),
                    "Adam learning rate")(
      "weight-decay", po::value<double>(&r.config.trainer.weight_decay)->default_value(1e-4),
      "Adam weight decay")(
      "lr-warmup-epochs", po::value<double>(&r.config.trainer.lr_warmup_epochs)->default_value(1.0),
      "linear learning-rate warm-up, in epochs of steps")(
      "lr-warmup-basis", po::value<std::string>(&raw.warmup_basis)->default_value("pool"),
      "what an epoch of warm-up steps counts: pool (ceil(training pool / batch)) or fold "
      "(floor(training part before the validation hold-out / batch), the released loop)")(
      "lr-decay-ratio", po::value<double>(&r.config.trainer.lr_decay_ratio)->default_value(1.0),
      "step decay: multiply the rate by this ...")(
      "lr-decay-times", po::value<int64_t>(&r.config.trainer.lr_decay_times)->default_value(0),
      "... this many times, evenly spaced over the epochs (MPVAE: 0.8, 4)")(
      "param-groups", po::value<std::string>(&raw.param_groups)->default_value("model"),
      "model (the model's optimiser groups, e.g. DELA's gates at 0.8 times the rate) or single "
      "(one Adam group over every parameter, the released loop)")(
      "checkpoint", po::value<std::string>(&raw.checkpoint)->default_value("best"),
      "best (by validation macro-AUC) or last")(
      "stop-at", po::value<std::string>(&raw.stop_at),
      "end training after the first epoch whose validation macro-AUC reaches X (macro_auc=X) or "
      "whose validation loss falls to X (loss=X); for time-to-accuracy studies")(
      "threshold", po::value<std::string>(&raw.threshold)->default_value("0.5"),
      "decision threshold for bipartition metrics: a number in (0, 1); tuned[:macro_f1|micro_f1|"
      "example_f1] (one, chosen on the validation part to maximise that F1); tuned-per-label "
      "(each label's own, maximising its F1)")(
      "seed", po::value<uint64_t>(&raw.seed)->default_value(55),
      "base seed (split, weights and selector seeds derive from it)")(
      "threads", po::value<int>(&r.threads)->default_value(0),
      "BLAS threads per fold process (0: cores / jobs)")(
      "jobs", po::value<int>(&r.jobs)->default_value(0),
      "folds run at once, each in its own process (0: one per core, at most the folds; results "
      "equal a --jobs 1 run with the same --threads)")(
      "intra-op-threads", po::value<int>(&r.intra_op_threads)->default_value(1),
      "LibTorch's element-wise threads (0: all cores; more than 1 oversubscribes small machines)")(
      "device", po::value<std::string>(&r.config.device)->default_value("cpu"), "cpu or cuda")(
      "out", po::value<std::string>(&r.out),
      "report file (default: runs/<dataset>-<model>-<selector>-<time>.json)")(
      "quiet,q", "no progress on stderr");
}

// The options of the process that runs one fold of a parallel run (not in --help).
void add_fold_process_options(po::options_description& opts, RunOptions& r) {
  opts.add_options()("fold-process", po::value<int64_t>(&r.fold_process), "")(
      "fold-report", po::value<std::string>(&r.fold_report), "")(
      "fold-threads", po::value<int>(&r.fold_threads), "");
}

}  // namespace

RunOptions parse_run_options(const std::vector<std::string>& args) {
  RunOptions r;
  ExperimentConfig& c = r.config;
  RawRunOptions raw;
  po::options_description opts("run options");
  add_run_options(opts, r, raw);
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::ostringstream text;
    text << "usage: d2ace-bench run --dataset NAME|PATH [options]\n\n" << opts;
    r.help = text.str();
    return r;
  }
  po::options_description all;
  all.add(opts);
  add_fold_process_options(all, r);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(e.what());
  }
  ProtocolPreset preset;
  if (raw.protocol != "none") {
    // Options given on the command line win; the preset fills in only the ones left at default.
    preset = protocol_preset(raw.protocol, vm["model"].defaulted() ? "" : r.config.model,
                             r.config.dataset);
    try {
      po::store(po::command_line_parser(preset.args).options(opts).run(), vm);
      po::notify(vm);
    } catch (const po::error& e) {
      throw InputError(e.what());
    }
  }
  c.protocol = raw.protocol;
  c.scale_on_all_data =
      named_choice<bool>("--scaling-fit", raw.scaling_fit, {{"train", false}, {"all", true}});
  c.seed = raw.seed;
  c.data_dir = resolve_data_dir(raw.data_dir);
  if (vm.count("keep-ratio")) c.keep_ratio = raw.keep;
  c.split = named_choice<SplitMode>(
      "--split", raw.split, {{"kfold", SplitMode::kKFold}, {"official", SplitMode::kOfficial}});
  if (!c.split_file.empty()) {
    if (c.split == SplitMode::kOfficial)
      throw InputError("--split-file and --split official exclude each other");
    c.split = SplitMode::kFile;
  }
  c.scaling = parse_scaling(raw.scaling);
  c.trainer.checkpoint = parse_checkpoint(raw.checkpoint);
  c.trainer.threshold = parse_threshold(raw.threshold);
  c.trainer.single_param_group =
      named_choice<bool>("--param-groups", raw.param_groups, {{"model", false}, {"single", true}});
  c.lr_warmup_over_fold =
      named_choice<bool>("--lr-warmup-basis", raw.warmup_basis, {{"pool", false}, {"fold", true}});
  if (!raw.stop_at.empty()) c.trainer.stop_at = parse_stop_rule(raw.stop_at);
  c.only_folds = raw.folds_only;
  if (r.jobs < 0) throw InputError("--jobs must be >= 0");
  if (r.threads < 0) throw InputError("--threads must be >= 0");
  if (r.fold_process >= 0) {
    c.only_folds = {r.fold_process};
    r.out = r.fold_report;
    r.jobs = 1;
    r.threads = r.fold_threads;  // what the parent chose for this fold, over --threads
  }
  c.model_params = preset.model_params;  // the protocol's, under the ones given
  for (const auto& [key, value] : Params::parse_assignments(raw.model_params, "--model-param"))
    c.model_params[key] = value;
  c.selector_params = Params::parse_assignments(raw.selector_params, "--selector-param");
  if (r.out.empty()) {
    std::string stamp = utc_now();
    stamp.erase(std::remove(stamp.begin(), stamp.end(), ':'), stamp.end());
    r.out =
        "runs/" + sanitize(c.dataset) + "-" + c.model + "-" + c.selector + "-" + stamp + ".json";
  }
  r.quiet = vm.count("quiet") > 0;
  return r;
}

Parallelism choose_parallelism(int jobs, int threads, int64_t tasks, int cores) {
  cores = std::max(1, cores);
  Parallelism p;
  if (jobs > 0)
    p.jobs = jobs;
  else if (threads > 0)
    p.jobs = std::max(1, cores / threads);
  else
    p.jobs = cores;
  p.jobs = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(p.jobs, tasks)));
  p.threads = threads > 0 ? threads : std::max(1, cores / p.jobs);
  return p;
}

}  // namespace d2ace

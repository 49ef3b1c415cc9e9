// Run reports: one JSON document per cell, and the run document `d2ace-bench run` writes.
//
// Schema (schema_version 1), cell:
//   {schema_version, kind: "cell", id, identity: {dataset, split, preprocessing, model, selector,
//    trainer, seeds}, provenance, status: {state: done|error|diverged, message},
//    metrics: {threshold, test: {name: {value, direction}}, counts, conventions} (a tuned
//              threshold adds thresholds: [chosen values] and test_at_0_5: {name: ...}),
//    best_epoch, stopped_epoch (only when --stop-at ended training), curves: {per-epoch arrays,
//    selector: {name: [...]}}, timings}
// Run: {schema_version, kind: "run", command, provenance, cells: [cell...],
//       summary: {cells, done, metrics: {name: {mean, std, n, direction}}, timings: {...}},
//       matrix_cell (only when a matrix ran it): {id, dataset, model, selector, seed, fold}}
// NaN is written as null. Readers must ignore fields they do not know.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/trainer.h"

namespace d2ace {

constexpr int kReportSchemaVersion = 1;
using Json = nlohmann::ordered_json;

// The cell report. `identity` names the cell (its id is a hash of it); `provenance` includes the
// cell's start and end time; `wall_seconds` is the cell's whole time, loading included.
Json cell_report(const Json& identity, const Json& provenance, const TrainingResult& result,
                 double wall_seconds);

// A cell that failed before or during training: identity, provenance and status only.
Json failed_cell_report(const Json& identity, const Json& provenance, const std::string& state,
                        const std::string& message);

// The document `d2ace-bench run` writes, and each matrix cell: the command, provenance, the
// cells and their summary, and `matrix_cell` ({id, dataset, model, selector, seed, fold}) when a
// matrix ran it.
struct RunDocument {
  std::vector<std::string> command;
  Json provenance;
  std::vector<Json> cells;
  Json matrix_cell;  // null unless a matrix ran it

  Json to_json() const;
};

// Stable id of a cell: 16 hex digits hashed from its identity.
std::string cell_id(const Json& identity);

// {mean, std, n} of the finite values of `xs`: population std (ddof = 0, as numpy); null mean and
// std when none is finite.
Json statistics(const std::vector<double>& xs);

// Mean, population std (ddof = 0, as numpy) and count of every metric and timing over the cells
// whose state is "done".
Json summarize_cells(const std::vector<Json>& cells);

// Reads a JSON document; InputError "<path>: cannot read" or "<path>: not valid JSON (...)".
Json read_json_file(const std::string& path);

// Makes sure reports can be written into `dir` before any work starts: creates it (and its
// parents) and creates and removes a probe file there. InputError "<option> <dir>: cannot write
// there (<reason>)" otherwise.
void check_writable_directory(const std::string& dir, const std::string& option);

// Writes `doc` to `path` atomically: a temporary file in the same directory, flushed, then
// renamed over `path`. Creates missing parent directories. Throws OutputError on failure,
// naming `path` and the system's reason (a full disk: "No space left on device"); the temporary
// file is removed and an earlier file at `path` is left as it was.
void write_json_atomically(const std::string& path, const Json& doc);

}  // namespace d2ace

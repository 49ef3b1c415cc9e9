#!/usr/bin/env python3
"""Reference values of the suite's metrics computed with scikit-learn (used by tests/test_metrics.cpp).

Reads a file: first line "n q threshold", then n lines of q scores, then n lines of q 0/1 targets.
Prints one JSON object {metric: value} (NaN as null). Conventions as core/metrics.h states them.
"""
import json
import sys

import numpy as np
from sklearn import metrics as M


def main(path):
    with open(path) as f:
        n, q, threshold = f.readline().split()
        n, q, threshold = int(n), int(q), float(threshold)
        rows = [list(map(float, f.readline().split())) for _ in range(2 * n)]
    S = np.array(rows[:n], dtype=float).reshape(n, q)
    Y = np.array(rows[n:], dtype=int).reshape(n, q)
    P = (S >= threshold).astype(int)
    zd = dict(zero_division=0)

    def per_label(fn, keep):
        vals = [fn(Y[:, j], S[:, j]) for j in range(q) if keep(Y[:, j])]
        return float(np.mean(vals)) if vals else None

    both = lambda col: 0 < col.sum() < len(col)
    out = {
        "hamming_loss": M.hamming_loss(Y, P),
        "subset_accuracy": M.accuracy_score(Y, P),
        "micro_f1": M.f1_score(Y, P, average="micro", **zd),
        "macro_f1": M.f1_score(Y, P, average="macro", **zd),
        "micro_precision": M.precision_score(Y, P, average="micro", **zd),
        "macro_precision": M.precision_score(Y, P, average="macro", **zd),
        "micro_recall": M.recall_score(Y, P, average="micro", **zd),
        "macro_recall": M.recall_score(Y, P, average="macro", **zd),
        "micro_accuracy": 1.0 - M.hamming_loss(Y, P),
        "macro_accuracy": float(np.mean([M.accuracy_score(Y[:, j], P[:, j]) for j in range(q)])),
        "example_precision": M.precision_score(Y, P, average="samples", **zd),
        "example_recall": M.recall_score(Y, P, average="samples", **zd),
        "example_f1": M.f1_score(Y, P, average="samples", **zd),
        "example_jaccard": M.jaccard_score(Y, P, average="samples", **zd),
        "micro_auc": M.roc_auc_score(Y.ravel(), S.ravel()) if both(Y.ravel()) else None,
        "macro_auc": per_label(M.roc_auc_score, both),
        "micro_aupr": M.average_precision_score(Y.ravel(), S.ravel()) if Y.sum() > 0 else None,
        "macro_aupr": per_label(M.average_precision_score, lambda col: col.sum() > 0),
        "ranking_loss": M.label_ranking_loss(Y, S),
        "one_error": float(np.mean(Y[np.arange(n), S.argmax(axis=1)] == 0)),
        "coverage": M.coverage_error(Y, S),
        "lrap": M.label_ranking_average_precision_score(Y, S),
    }
    print(json.dumps({k: (None if v is None else float(v)) for k, v in out.items()}))


if __name__ == "__main__":
    main(sys.argv[1])

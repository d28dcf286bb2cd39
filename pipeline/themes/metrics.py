"""Per-theme precision, recall and F1; micro and macro averages."""

from __future__ import annotations

from typing import Any

import numpy as np


def scores(Y: np.ndarray, P: np.ndarray, themes: list[str]) -> dict[str, Any]:
    """Y, P: 0/1 arrays (documents x themes). Macro-F1 averages themes that have gold positives."""
    Y, P = np.asarray(Y, bool), np.asarray(P, bool)
    per = {}
    f1s = []
    for j, t in enumerate(themes):
        tp = int(np.sum(Y[:, j] & P[:, j]))
        fp = int(np.sum(~Y[:, j] & P[:, j]))
        fn = int(np.sum(Y[:, j] & ~P[:, j]))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[t] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
        if tp + fn:
            f1s.append(f1)
    tp = int(np.sum(Y & P))
    fp = int(np.sum(~Y & P))
    fn = int(np.sum(Y & ~P))
    micro = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "per_theme": per,
        "micro_f1": round(micro, 4),
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "documents": int(Y.shape[0]),
    }

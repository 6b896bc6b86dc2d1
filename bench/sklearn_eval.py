#!/usr/bin/env python3
"""The reference side of the speed benchmarks: the same metrics Assay
computes, from the same Parquet file, the way a lab script does it today
(pyarrow to read, scikit-learn / SciPy / NumPy to compute). Read time is
included. Prints one JSON line: seconds and a few metric values to cross-check.

    python bench/sklearn_eval.py binary FILE
    python bench/sklearn_eval.py multiclass FILE
    python bench/sklearn_eval.py regression FILE
    python bench/sklearn_eval.py clustering FILE
"""

import json
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import scipy.stats
from sklearn import metrics as M


def ece_mce(conf, outcome, n_bins=10):
    bins = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(bins[1:-1], conf)
    w = np.bincount(ids, minlength=n_bins).astype(float)
    c = np.bincount(ids, weights=conf, minlength=n_bins)
    o = np.bincount(ids, weights=outcome, minlength=n_bins)
    nz = w > 0
    return np.abs(o - c).sum() / w.sum(), np.max(np.abs(o[nz] - c[nz]) / w[nz])


def binary(path):
    t = pq.read_table(path, columns=["label", "score"])
    y = t.column("label").to_numpy()
    s = t.column("score").to_numpy()
    pred = (s >= 0.5).astype(np.int64)
    r = {}
    r["accuracy"] = M.accuracy_score(y, pred)
    r["balanced_accuracy"] = M.balanced_accuracy_score(y, pred)
    r["precision"] = M.precision_score(y, pred)
    r["recall"] = M.recall_score(y, pred)
    r["specificity"] = M.recall_score(y, pred, pos_label=0)
    tn, fp, fn, tp = M.confusion_matrix(y, pred).ravel()
    r["fpr"] = fp / (fp + tn)
    r["fnr"] = fn / (fn + tp)
    r["npv"] = M.precision_score(y, pred, pos_label=0)
    r["f1"] = M.f1_score(y, pred)
    r["fbeta"] = M.fbeta_score(y, pred, beta=1.0)
    r["mcc"] = M.matthews_corrcoef(y, pred)
    r["cohen_kappa"] = M.cohen_kappa_score(y, pred)
    r["roc_auc"] = M.roc_auc_score(y, s)
    r["average_precision"] = M.average_precision_score(y, s)
    prec, rec, _ = M.precision_recall_curve(y, s)
    r["pr_auc"] = M.auc(rec, prec)
    r["log_loss"] = M.log_loss(y, s)
    r["brier_score"] = M.brier_score_loss(y, s)
    r["ece"], r["mce"] = ece_mce(s, y.astype(float))
    r["kl_divergence"] = scipy.stats.entropy([tn + fp, fn + tp], [tn + fn, fp + tp])
    M.roc_curve(y, s)  # the curve for the report, as Assay writes it
    return r


def multiclass(path):
    t = pq.read_table(path)
    y = t.column("label").to_numpy()
    names = [c for c in t.column_names if c.startswith("prob_")]
    P = np.column_stack([t.column(c).to_numpy() for c in names])
    k = P.shape[1]
    labels = list(range(k))
    hard = P.argmax(axis=1)
    r = {}
    r["accuracy"] = M.accuracy_score(y, hard)
    r["balanced_accuracy"] = M.balanced_accuracy_score(y, hard)
    for avg in ["macro", "micro", "weighted"]:
        p, rc, f, _ = M.precision_recall_fscore_support(y, hard, labels=labels, average=avg)
        r[f"precision_{avg}"], r[f"recall_{avg}"], r[f"f1_{avg}"] = p, rc, f
    mcm = M.multilabel_confusion_matrix(y, hard, labels=labels)
    r["specificity_macro"] = float(np.mean(mcm[:, 0, 0] / (mcm[:, 0, 0] + mcm[:, 0, 1])))
    r["mcc"] = M.matthews_corrcoef(y, hard)
    r["cohen_kappa"] = M.cohen_kappa_score(y, hard)
    r["log_loss"] = M.log_loss(y, P, labels=labels)
    r["brier_score"] = M.brier_score_loss(y, P, labels=labels)
    r["roc_auc_ovr_macro"] = M.roc_auc_score(y, P, multi_class="ovr", average="macro", labels=labels)
    r["roc_auc_ovr_weighted"] = M.roc_auc_score(y, P, multi_class="ovr", average="weighted", labels=labels)
    r["roc_auc_ovo_macro"] = M.roc_auc_score(y, P, multi_class="ovo", average="macro", labels=labels)
    r["top_2_accuracy"] = M.top_k_accuracy_score(y, P, k=2, labels=labels)
    r["ece"], r["mce"] = ece_mce(P.max(axis=1), (hard == y).astype(float))
    r["kl_divergence"] = scipy.stats.entropy(np.bincount(y, minlength=k), np.bincount(hard, minlength=k))
    return r


def regression(path):
    t = pq.read_table(path, columns=["target", "prediction"])
    y = t.column("target").to_numpy()
    p = t.column("prediction").to_numpy()
    r = {}
    r["mae"] = M.mean_absolute_error(y, p)
    r["mse"] = M.mean_squared_error(y, p)
    r["rmse"] = M.root_mean_squared_error(y, p)
    r["r2"] = M.r2_score(y, p)
    r["explained_variance"] = M.explained_variance_score(y, p)
    r["max_error"] = M.max_error(y, p)
    r["median_absolute_error"] = M.median_absolute_error(y, p)
    r["mape"] = M.mean_absolute_percentage_error(y, p)
    r["msle"] = M.mean_squared_log_error(y, p)
    r["rmsle"] = M.root_mean_squared_log_error(y, p)
    r["d2_absolute_error"] = M.d2_absolute_error_score(y, p)
    r["mean_poisson_deviance"] = M.mean_poisson_deviance(y, p)
    r["mean_gamma_deviance"] = M.mean_gamma_deviance(y, p)
    r["pearson_r"] = scipy.stats.pearsonr(y, p).statistic
    r["spearman_rho"] = scipy.stats.spearmanr(y, p).statistic
    r["kendall_tau"] = scipy.stats.kendalltau(y, p).statistic
    return r


def clustering(path):
    t = pq.read_table(path, columns=["label", "cluster"])
    y = t.column("label").to_numpy()
    c = t.column("cluster").to_numpy()
    r = {}
    r["adjusted_rand"] = M.adjusted_rand_score(y, c)
    r["rand"] = M.rand_score(y, c)
    r["adjusted_mutual_info"] = M.adjusted_mutual_info_score(y, c)
    r["normalized_mutual_info"] = M.normalized_mutual_info_score(y, c)
    r["mutual_info"] = M.mutual_info_score(y, c)
    r["homogeneity"] = M.homogeneity_score(y, c)
    r["completeness"] = M.completeness_score(y, c)
    r["v_measure"] = M.v_measure_score(y, c)
    r["fowlkes_mallows"] = M.fowlkes_mallows_score(y, c)
    table = M.cluster.contingency_matrix(y, c)
    r["purity"] = table.max(axis=0).sum() / table.sum()
    return r


if __name__ == "__main__":
    task, path = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    result = {"binary": binary, "multiclass": multiclass, "regression": regression,
              "clustering": clustering}[task](path)
    seconds = time.perf_counter() - start
    print(json.dumps({"task": task, "seconds": seconds, "metrics": {k: float(v) for k, v in result.items()}}))

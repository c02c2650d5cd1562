"""A learned ranker's ceiling on Amazon Scientific (issue 11 goal 3): LightGBM lambdarank over the
feature rows of packages/bench/src/quality-ltr-features.ts (the blend's best 100 per user).

usage: python ltr.py --val /tmp/ltr-val.csv [--test /tmp/ltr-test.csv] [--groups b,bp,bpt]
                     [--params leaves=31,lr=0.05,trees=400,min_data=100] [--importance 15]
                     [--extra /tmp/ltr-cut3.csv,/tmp/ltr-cut4.csv]

Without --params: a grid (leaves × learning rate × min data in leaf × trees) scored by 2-fold
out-of-fold NDCG@10 by user on val, for each feature group set (b = the blend's columns, p = the
learned probes, t = text, s = SASRec's columns that scripts/sasrec.py adds to a copy of the CSV); the best setting of the last set is chosen. With --test: trains that
setting on all val users and scores the test split once. Users whose target is not among the
candidates count as misses. Paired differences are against the blend's own order (b_rank).
--extra: rows of earlier cuts (quality-ltr-features.ts --settings cut=3), training queries only,
added to every model: their targets come before the val target, so none of it is evaluated.

Tested with lightgbm 4.7.0, numpy 2.4.6 (pip install lightgbm==4.7.0 numpy==2.4.6 into a
venv outside the repository). num_threads=2: the machine is shared.
"""

import argparse
import itertools
import os
import time

import numpy as np

GRID = {"leaves": [7, 15], "lr": [0.03, 0.1], "min_data": [100, 300], "trees": [100, 200, 400, 800]}
K = 10


def load(path):
    """Columns and rows of a feature CSV (cached as .npy beside it: parsing takes a minute)."""
    with open(path) as f:
        names = f.readline().strip().split(",")
    cache = path + ".npy"
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(path):
        rows = np.load(cache)
    else:
        rows = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
        np.save(cache, rows)
    user = rows[:, 0].astype(np.int64)
    return {"names": names[3:], "user": user, "label": rows[:, 2], "X": rows[:, 3:]}


def columns(data, groups):
    return [i for i, name in enumerate(data["names"]) if name.split("_")[0] in groups]


def gains(data, scores):
    """Per user: 1/log2(rank + 2) of the target in the top 10 by score (ties: the blend's order), else 0."""
    user, label = data["user"], data["label"]
    users = user.max() + 1
    out = np.zeros(users)
    positive = np.flatnonzero(label == 1)
    row_index = np.arange(len(user))
    target_score = np.full(users, np.nan)
    target_row = np.full(users, -1)
    target_score[user[positive]] = scores[positive]
    target_row[user[positive]] = positive
    ts, tr = target_score[user], target_row[user]
    # Rows ahead of the target: a higher score, or an equal one earlier in the blend's order.
    ahead = (scores > ts) | ((scores == ts) & (row_index < tr))
    rank = np.bincount(user, weights=ahead & (tr >= 0), minlength=users)
    has = target_row >= 0
    hit = has & (rank < K)
    out[hit] = 1 / np.log2(rank[hit] + 2)
    return out


def summary(gain, base):
    """NDCG@10, HR@10 and paired differences to the blend (mean ± standard error over users)."""
    n = len(gain)
    d_ndcg, d_hr = gain - base, (gain > 0).astype(float) - (base > 0)
    se = lambda d: d.std(ddof=1) / np.sqrt(n)  # noqa: E731
    return {
        "ndcg": gain.mean(),
        "hr": (gain > 0).mean(),
        "d_ndcg": d_ndcg.mean(),
        "se_ndcg": se(d_ndcg),
        "d_hr": d_hr.mean(),
        "se_hr": se(d_hr),
    }


def fmt(s):
    return (
        f"NDCG@10 {s['ndcg']:.4f} HR@10 {s['hr']:.4f}  vs blend: NDCG {s['d_ndcg']:+.5f} ± {s['se_ndcg']:.5f}"
        f" ({s['d_ndcg'] / s['se_ndcg']:.1f} se), HR {s['d_hr']:+.5f} ± {s['se_hr']:.5f}"
    )


def train(data, rows, cols, p, trees, extra=()):
    """Lambdarank on `rows` and every row of `extra` (users without their target among the candidates give no gradient: left out)."""
    # Imported here, not at the top: sasrec.py reuses this file's metrics in a venv without LightGBM.
    import lightgbm as lgb

    X, labels, sizes = [], [], []
    for part, part_rows in [(data, rows)] + [(e, np.arange(len(e["label"]))) for e in extra]:
        user, label = part["user"][part_rows], part["label"][part_rows]
        part_rows = part_rows[np.isin(user, np.unique(user[label == 1]))]
        X.append(part["X"][np.ix_(part_rows, cols)])
        labels.append(part["label"][part_rows])
        sizes.append(np.unique(part["user"][part_rows], return_counts=True)[1])
    dataset = lgb.Dataset(
        np.concatenate(X),
        label=np.concatenate(labels),
        group=np.concatenate(sizes),
        feature_name=[data["names"][c] for c in cols],
        free_raw_data=True,
    )
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [K],
        "num_leaves": p["leaves"],
        "learning_rate": p["lr"],
        "min_data_in_leaf": p["min_data"],
        "num_threads": 2,
        "seed": 1,
        "deterministic": True,
        "verbose": -1,
    }
    return lgb.train(params, dataset, num_boost_round=trees)


def out_of_fold(data, cols, p, tree_counts, extra=(), folds=2, seed=0):
    """Per tree count: each user scored by the model trained on the other fold's users."""
    users = data["user"].max() + 1
    fold_of_user = np.random.default_rng(seed).permutation(users) % folds
    fold = fold_of_user[data["user"]]
    scores = {t: np.zeros(len(fold)) for t in tree_counts}
    for f in range(folds):
        model = train(data, np.flatnonzero(fold != f), cols, p, max(tree_counts), extra)
        held = np.flatnonzero(fold == f)
        X = data["X"][np.ix_(held, cols)]
        for t in tree_counts:
            scores[t][held] = model.predict(X, num_iteration=t, num_threads=2)
    return scores


def grid(data, cols, base, extra):
    results = []
    for leaves, lr, min_data in itertools.product(GRID["leaves"], GRID["lr"], GRID["min_data"]):
        started = time.time()
        p = {"leaves": leaves, "lr": lr, "min_data": min_data}
        for trees, scores in out_of_fold(data, cols, p, GRID["trees"], extra).items():
            s = summary(gains(data, scores), base)
            results.append(({**p, "trees": trees}, s))
            print(f"  {p} trees {trees}: {fmt(s)}", flush=True)
        print(f"  ({time.time() - started:.0f} s)", flush=True)
    return max(results, key=lambda r: r[1]["ndcg"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", required=True)
    parser.add_argument("--test")
    parser.add_argument("--groups", default="b,bp,bpt")
    parser.add_argument("--params", help="leaves=..,lr=..,min_data=..,trees=.. (skips the grid)")
    parser.add_argument("--importance", type=int, default=15)
    parser.add_argument("--extra", default="", help="feature CSVs of earlier cuts: training queries only")
    args = parser.parse_args()
    started = time.time()
    val = load(args.val)
    extra = [load(path) for path in args.extra.split(",") if path]
    for e in extra:
        assert e["names"] == val["names"], "the extra rows need the same columns"
        print(f"extra: {(e['label'] == 1).sum()} training queries with their target among the candidates")
    base = gains(val, -val["X"][:, val["names"].index("b_rank")])
    print(f"val: {val['X'].shape[0]} rows, {len(base)} users, target among the candidates "
          f"{(val['label'] == 1).sum() / len(base):.4f}; blend NDCG@10 {base.mean():.4f} HR@10 {(base > 0).mean():.4f}"
          f" (loaded in {time.time() - started:.0f} s)")
    chosen = None
    for groups in args.groups.split(","):
        cols = columns(val, set(groups))
        if args.params:
            p = {k: float(v) if k == "lr" else int(v) for k, v in (kv.split("=") for kv in args.params.split(","))}
            scores = out_of_fold(val, cols, p, [p["trees"]], extra)[p["trees"]]
            chosen = (p, summary(gains(val, scores), base))
        else:
            print(f"grid, groups {groups} ({len(cols)} columns):")
            chosen = grid(val, cols, base, extra)
        print(f"val out-of-fold, groups {groups}, {chosen[0]}: {fmt(chosen[1])}", flush=True)
    if not args.test:
        return
    p = chosen[0]
    model = train(val, np.arange(len(val["label"])), cols, p, p["trees"], extra)
    importance = model.feature_importance("gain")
    share = importance / importance.sum()
    print("importance (gain share), model trained on all val users:")
    for i in np.argsort(-importance)[: args.importance]:
        print(f"  {model.feature_name()[i]:20s} {share[i]:.3f}")
    test = load(args.test)
    test_base = gains(test, -test["X"][:, test["names"].index("b_rank")])
    print(f"test: target among the candidates {(test['label'] == 1).sum() / len(test_base):.4f}; "
          f"blend NDCG@10 {test_base.mean():.4f} HR@10 {(test_base > 0).mean():.4f}")
    scores = model.predict(test["X"][:, cols], num_threads=2)
    print(f"test, groups {args.groups.split(',')[-1]}, {p}: {fmt(summary(gains(test, scores), test_base))}")


if __name__ == "__main__":
    main()

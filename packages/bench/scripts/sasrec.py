"""SASRec trained with full-softmax cross-entropy on Amazon Scientific (issue 11 goal 3 follow-up).

A study, not part of CI or the services. SASRec (Kang & McAuley 2018): causal self-attention over
the user's purchases, the next item scored by a dot product with the (tied) item embeddings;
trained with cross-entropy over all items (Klenitskiy & Vasilev, RecSys 2023), not the paper's
one-negative BCE. Every prefix of a training sequence is a training example (targets = the
sequence shifted by one). The split is packages/bench/src/quality/amazon.ts `splitAt`: a cut
holds out each user's last `cut` items, the first of them the target (test 1, val 2; 3 and 4 are
the earlier cuts the learned ranker uses as extra training queries). Ranking is over all items
except the user's training items; HR@10 and NDCG@10 over all users.

usage:
  python sasrec.py check                                  # the evaluator vs the popularity baseline
  python sasrec.py grid [--grid dim=64,128 layers=1,2 dropout=0.2,0.5]   # on val, epochs chosen by val
  python sasrec.py run --cut 2 [--dim 64 --layers 2 --dropout 0.2 --maxlen 50 --epochs 14 --seed 0] \
      [--csv /tmp/ltr-val.csv --out /tmp/ltr-val-s.csv]
  python sasrec.py mix --val /tmp/ltr-val-s.npz --test /tmp/ltr-test-s.npz

`run` trains on the cut's training sequences, prints HR/NDCG of SASRec alone for the cut's target,
and with --csv writes a copy of a feature CSV of packages/bench/src/quality-ltr-features.ts with
two more columns for ltr.py's group `s`: s_logp (the log-softmax of the next item over all items) and
s_rank (0-based rank among them); it also saves <out without .csv>.npz (the rows' user, label,
blend rank and SASRec columns) for `mix`, which chooses an interpolation with the blend on val and
scores test once.

Tested with jax 0.10.2, jaxlib 0.10.2, optax 0.2.8, numpy 2.4.6 (pip install into a venv outside the
repository). Two threads: the machine is shared (XLA_FLAGS below, set before jax is imported).
"""

import argparse
import itertools
import json
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=2")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import ltr  # noqa: E402  (beside this file: the re-ranker's metrics)

DATA = "/work/shared/data/amazon-scientific/Scientific.inter.json"
K = 10
BATCH = 128
WIDTHS = [4, 8, 16, 32]


# ---------------------------------------------------------------- data and evaluation


def load_sequences():
    with open(DATA) as f:
        inter = json.load(f)
    sequences = [inter[str(u)] for u in range(len(inter))]
    items = 1 + max(max(s) for s in sequences)
    return sequences, items


def split(sequences, cut):
    return [s[:-cut] for s in sequences], np.array([s[-cut] for s in sequences])


def target_ranks(scores, train, target):
    """0-based rank of each user's target among the items not in their training sequence.

    Counts items scoring strictly higher: model scores are floats, ties do not occur in practice,
    and no tie-break by item index (an artifact of the data's numbering) enters the ranking."""
    ranks = np.empty(len(train), dtype=np.int64)
    for u, (row, bought) in enumerate(zip(scores, train)):
        row = row.copy()
        row[bought] = -np.inf
        ranks[u] = (row > row[target[u]]).sum()
    return ranks


def gains(ranks):
    return np.where(ranks < K, 1 / np.log2(ranks + 2), 0.0)


def fmt(g):
    return f"NDCG@10 {g.mean():.4f} HR@10 {(g > 0).mean():.4f}"


def check(sequences, items):
    """Popularity on the test split, ties by item index exactly as packages/bench/src/quality.ts
    (the only place an index enters: to reproduce its 0.0261 / 0.0172)."""
    train, target = split(sequences, 1)
    counts = np.bincount(np.concatenate(train), minlength=items).astype(np.float64)
    scores = np.tile(counts - np.arange(items) / items, (len(train), 1))
    print(f"popularity, test split, excluding purchased: {fmt(gains(target_ranks(scores, train, target)))}")


# ---------------------------------------------------------------- the model


def init_params(key, items, dim, layers, maxlen):
    keys = iter(jax.random.split(key, 4 + 6 * layers))
    normal = lambda shape: 0.02 * jax.random.normal(next(keys), shape)  # noqa: E731
    norm = lambda: {"scale": jnp.ones(dim), "bias": jnp.zeros(dim)}  # noqa: E731
    blocks = [
        {
            "ln1": norm(), "q": normal((dim, dim)), "k": normal((dim, dim)), "v": normal((dim, dim)),
            "o": normal((dim, dim)), "ln2": norm(), "w1": normal((dim, dim)), "b1": jnp.zeros(dim),
            "w2": normal((dim, dim)), "b2": jnp.zeros(dim),
        }
        for _ in range(layers)
    ]
    # Row 0 of the item table is padding (item i is row i + 1).
    return {"item": normal((items + 1, dim)), "pos": normal((maxlen, dim)), "blocks": blocks, "ln": norm()}


def layer_norm(x, p):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + 1e-8) * p["scale"] + p["bias"]


def dropout(x, rate, key):
    if key is None or rate == 0:
        return x
    keep = jax.random.bernoulli(key, 1 - rate, x.shape)
    return jnp.where(keep, x / (1 - rate), 0)


def hidden(params, seq, rate, key):
    """[B, T] left-padded item rows → [B, T, dim]; position t sees positions ≤ t only."""
    T = seq.shape[1]
    # No key: scoring, no dropout.
    keys = iter(jax.random.split(key, 1 + 3 * len(params["blocks"]))) if key is not None else itertools.repeat(None)
    real = (seq > 0)[..., None]
    x = params["item"][seq] + params["pos"][-T:]
    x = dropout(x, rate, next(keys)) * real
    causal = jnp.tril(jnp.ones((T, T), dtype=bool))
    for b in params["blocks"]:
        h = layer_norm(x, b["ln1"])
        q, k, v = h @ b["q"], h @ b["k"], h @ b["v"]
        logits = jnp.einsum("btd,bsd->bts", q, k) / jnp.sqrt(q.shape[-1])
        logits = jnp.where(causal & (seq > 0)[:, None, :], logits, -1e9)
        attention = dropout(jax.nn.softmax(logits, -1), rate, next(keys))
        x = x + dropout(jnp.einsum("bts,bsd->btd", attention, v) @ b["o"], rate, next(keys))
        h = layer_norm(x, b["ln2"])
        x = x + dropout(jax.nn.gelu(h @ b["w1"] + b["b1"]) @ b["w2"] + b["b2"], rate, next(keys))
        x = x * real
    return layer_norm(x, params["ln"])


def item_logits(params, h):
    """Scores of every item (row 0, padding, can never be predicted)."""
    return (h @ params["item"].T).at[..., 0].set(-1e9)


def loss_fn(params, inputs, targets, rate, key):
    """Full-softmax cross-entropy at every real position."""
    logits = item_logits(params, hidden(params, inputs, rate, key))
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, targets)
    mask = targets > 0
    return (ce * mask).sum() / jnp.maximum(mask.sum(), 1)


def training_arrays(train, maxlen):
    """Inputs = sequence[:-1], targets = sequence[1:], the newest maxlen, left-padded (rows = item + 1)."""
    inputs = np.zeros((len(train), maxlen), dtype=np.int32)
    targets = np.zeros((len(train), maxlen), dtype=np.int32)
    for u, s in enumerate(train):
        s = np.asarray(s[-(maxlen + 1) :], dtype=np.int32) + 1
        n = len(s) - 1
        if n > 0:
            inputs[u, maxlen - n :] = s[:-1]
            targets[u, maxlen - n :] = s[1:]
    return inputs, targets


def length_batches(targets, rng):
    """Batches of users of similar length, each cut to a few widths (one compiled shape per width):
    the median history is 6 items, so padding every batch to maxlen would be 90 % wasted work.
    Users are shuffled within a length, the batches' order at random."""
    lengths = (targets > 0).sum(1)
    order = np.lexsort((rng.random(len(lengths) - 1), lengths[:-1]))
    # The last row is all padding (no loss): it fills the last batch up to BATCH.
    order = np.concatenate([order, np.full((-len(order)) % BATCH, len(lengths) - 1)])
    batches = []
    for i in range(0, len(order), BATCH):
        batch = order[i : i + BATCH]
        longest = lengths[batch].max()
        T = next(w for w in WIDTHS + [targets.shape[1]] if w >= longest)
        batches.append((batch, T))
    return [batches[i] for i in rng.permutation(len(batches))]


def scoring_inputs(train, maxlen):
    """The newest maxlen training items, left-padded: the last position predicts the next item."""
    inputs = np.zeros((len(train), maxlen), dtype=np.int32)
    for u, s in enumerate(train):
        s = np.asarray(s[-maxlen:], dtype=np.int32) + 1
        inputs[u, maxlen - len(s) :] = s
    return inputs


def all_scores(params, train, maxlen, chunk=1024):
    """[users, items] log-softmax of the next item (column i = item i)."""
    score = jax.jit(lambda p, x: jax.nn.log_softmax(item_logits(p, hidden(p, x, 0.0, None)[:, -1]), -1)[:, 1:])
    inputs = scoring_inputs(train, maxlen)
    return np.concatenate([np.asarray(score(params, inputs[i : i + chunk])) for i in range(0, len(inputs), chunk)])


def train_model(train, items, cfg, epochs, evaluate=None, every=2, patience=10):
    """Adam on the cross-entropy; with `evaluate` (params → gains), stops `patience` epochs after
    the best and returns the epoch it was reached at."""
    key = jax.random.PRNGKey(cfg["seed"])
    key, init = jax.random.split(key)
    params = init_params(init, items, cfg["dim"], cfg["layers"], cfg["maxlen"])
    optimizer = optax.adam(cfg["lr"], b1=0.9, b2=0.98)
    state = optimizer.init(params)

    @jax.jit
    def step(params, state, inputs, targets, key):
        loss, grads = jax.value_and_grad(loss_fn)(params, inputs, targets, cfg["dropout"], key)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    inputs, targets = training_arrays(train, cfg["maxlen"])
    keep = np.flatnonzero((targets > 0).any(1))  # users with at least two training items
    padding = np.zeros((1, cfg["maxlen"]), dtype=np.int32)
    inputs, targets = np.vstack([inputs[keep], padding]), np.vstack([targets[keep], padding])
    rng = np.random.default_rng(cfg["seed"])
    best = (-1.0, 0, None)
    started = time.time()
    for epoch in range(1, epochs + 1):
        losses = []
        for batch, T in length_batches(targets, rng):
            key, sub = jax.random.split(key)
            params, state, loss = step(params, state, inputs[batch][:, -T:], targets[batch][:, -T:], sub)
            losses.append(float(loss))
        line = f"    epoch {epoch:3d} loss {np.mean(losses):.4f} ({time.time() - started:.0f} s)"
        if evaluate and epoch % every == 0:
            g = evaluate(params)
            line += f"  val {fmt(g)}"
            if g.mean() > best[0]:
                best = (g.mean(), epoch, params)
            elif epoch - best[1] >= patience:
                print(line, flush=True)
                break
        print(line, flush=True)
    return (best[2], best[1], best[0]) if evaluate else (params, epochs, None)


# ---------------------------------------------------------------- commands


# The setting chosen on val (docs/benchmarks.md, "SASRec with cross-entropy"), 14 epochs;
# seed: initialisation, dropout and batch order.
DEFAULTS = {"dim": 64, "layers": 2, "dropout": 0.2, "maxlen": 50, "lr": 1e-3, "seed": 0}
EPOCHS = 14


def grid(sequences, items, spec, max_epochs):
    train, target = split(sequences, 2)
    axes = {**{k: [v] for k, v in DEFAULTS.items()}, **spec}
    results = []
    for values in itertools.product(*axes.values()):
        cfg = dict(zip(axes, values))
        started = time.time()
        print(f"{cfg}", flush=True)
        evaluate = lambda p, maxlen=cfg["maxlen"]: gains(target_ranks(all_scores(p, train, maxlen), train, target))  # noqa: E731
        _, epoch, ndcg = train_model(train, items, cfg, max_epochs, evaluate)
        results.append((ndcg, epoch, cfg))
        print(f"  best val NDCG@10 {ndcg:.4f} at epoch {epoch} ({time.time() - started:.0f} s)", flush=True)
    print("grid, best first:")
    for ndcg, epoch, cfg in sorted(results, key=lambda r: -r[0]):
        print(f"  {ndcg:.4f} epoch {epoch:3d} {cfg}")


def read_rows(path):
    """user, item, label, b_rank of a feature CSV, and its lines (to copy with more columns)."""
    with open(path) as f:
        header = f.readline().rstrip("\n")
        lines = f.read().splitlines()
    names = header.split(",")
    b_rank = names.index("b_rank")
    cols = np.array([[float(x) for x in itertools.islice(line.split(","), 0, b_rank + 1)] for line in lines])
    return header, lines, cols[:, 0].astype(np.int64), cols[:, 1].astype(np.int64), cols[:, 2], cols[:, b_rank]


def run(sequences, items, cfg, epochs, cut, csv, out, ensemble):
    """`ensemble` > 1: the mean log-probability of models with seeds seed .. seed + ensemble - 1
    (val NDCG@10 moves by ~0.003 between seeds of one setting)."""
    train, target = split(sequences, cut)
    started = time.time()
    scores = 0
    for seed in range(cfg["seed"], cfg["seed"] + ensemble):
        params, _, _ = train_model(train, items, {**cfg, "seed": seed}, epochs)
        scores = scores + all_scores(params, train, cfg["maxlen"]) / ensemble
        ranks = target_ranks(scores, train, target)
        print(f"SASRec-CE alone, cut {cut}, seeds {cfg['seed']}..{seed} ({time.time() - started:.0f} s): "
              f"{fmt(gains(ranks))}", flush=True)
    if not csv:
        return
    saved = out.removesuffix(".csv")
    np.save(f"{saved}-alone.npy", gains(ranks))  # for `mix`'s paired differences
    header, lines, user, item, label, b_rank = read_rows(csv)
    logp = scores[user, item]
    # Rank of each candidate among the items the user may get (training items masked).
    rank = np.empty(len(user), dtype=np.int64)
    bounds = np.flatnonzero(np.diff(user)) + 1  # the CSV lists each user's rows together
    for rows in np.split(np.arange(len(user)), bounds):
        u = user[rows[0]]
        row = scores[u].copy()
        row[train[u]] = -np.inf
        ordered = np.sort(row)
        rank[rows] = len(row) - np.searchsorted(ordered, row[item[rows]], side="right")
    with open(out, "w") as f:
        f.write(header + ",s_logp,s_rank\n")
        f.writelines(f"{line},{lp:.6g},{r}\n" for line, lp, r in zip(lines, logp, rank))
    np.savez(f"{saved}.npz", user=user, label=label, b_rank=b_rank, s_logp=logp, s_rank=rank,
             users=len(train))
    print(f"wrote {out} and {saved}.npz ({len(user)} rows)")


def rerank_gains(d, scores):
    """NDCG@10 per user over the blend's best 100, as the learned ranker scores it (ltr.py's
    `gains`: target outside = miss; ties by the blend's order, the rows' order in the CSV)."""
    return ltr.gains(d, scores)


MIXES = {
    # Both as log ranks: robust to either model's score scale.
    "log ranks": lambda d, w: -(1 - w) * np.log1p(d["b_rank"]) - w * np.log1p(d["s_rank"]),
    # Reciprocal-rank fusion (k = 60, Cormack et al. 2009).
    "rrf": lambda d, w: (1 - w) / (60 + d["b_rank"]) + w / (60 + d["s_rank"]),
    # The blend's log rank with SASRec's log-probability: keeps how sure the model is
    # (added after the first two had been scored on test; chosen on val all the same).
    "log p": lambda d, w: -(1 - w) * np.log1p(d["b_rank"]) + w * d["s_logp"],
}


def paired(g, base):
    s = ltr.summary(g, base)
    return f"Δ NDCG {s['d_ndcg']:+.5f} ± {s['se_ndcg']:.5f}, Δ HR {s['d_hr']:+.5f} ± {s['se_hr']:.5f}"


def mix(val_path, test_path):
    val, test = dict(np.load(val_path)), dict(np.load(test_path))
    base = rerank_gains(val, -val["b_rank"])
    test_base = rerank_gains(test, -test["b_rank"])
    print(f"val blend (its own order): {fmt(base)}; test blend {fmt(test_base)}")
    for name, path, b in [("val", val_path, base), ("test", test_path, test_base)]:
        alone = path.replace(".npz", "-alone.npy")
        if os.path.exists(alone):
            print(f"{name} SASRec alone over all items: {fmt(np.load(alone))}  {paired(np.load(alone), b)}")
    results = []
    for name, f in MIXES.items():
        for w in np.round(np.arange(0, 1.0001, 0.05), 2):
            g = rerank_gains(val, f(val, w))
            results.append((g.mean(), name, w))
            print(f"  val {name:9s} w {w:.2f}: {fmt(g)}  {paired(g, base)}", flush=True)
    _, name, w = max(results)
    g = rerank_gains(test, MIXES[name](test, w))
    print(f"chosen on val: {name}, w {w}")
    print(f"test (once): {fmt(g)}  {paired(g, test_base)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check", "grid", "run", "mix"])
    parser.add_argument("--grid", nargs="*", default=["dim=64,128", "layers=1,2", "dropout=0.2,0.5"])
    parser.add_argument("--max-epochs", type=int, default=200)
    for name, value in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=type(value), default=value)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--cut", type=int, default=2)
    parser.add_argument("--ensemble", type=int, default=1, help="average this many seeds' log-probabilities")
    parser.add_argument("--csv")
    parser.add_argument("--out")
    parser.add_argument("--val")
    parser.add_argument("--test")
    args = parser.parse_args()
    if args.command == "mix":
        return mix(args.val, args.test)
    sequences, items = load_sequences()
    if args.command == "check":
        check(sequences, items)
    elif args.command == "grid":
        spec = {}
        for kv in args.grid:
            k, v = kv.split("=")
            spec[k] = [type(DEFAULTS[k])(x) for x in v.split(",")]
        grid(sequences, items, spec, args.max_epochs)
    else:
        run(sequences, items, {k: getattr(args, k) for k in DEFAULTS}, args.epochs, args.cut, args.csv, args.out, args.ensemble)


if __name__ == "__main__":
    main()

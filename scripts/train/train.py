#!/usr/bin/python3
"""Train ChronoTick's shipped forecasters and export them to ONNX with their cards.

Reproducible: fixed seeds, data from scripts/train/export-series.js (the project's
simulator, seeds 1001 and up) plus the recorded series. Uses Debian's packages only:
    apt-get install -y python3-torch python3-onnx python3-numpy
Run from the repository root (scripts/train/train.sh does all steps):
    /usr/bin/python3 scripts/train/train.py DATA_DIR packages/tsfm/models [--steps N]

Model: an MLP on the context's residuals about a robust (resistant) line, normalised
by their robust scale (see prep.py); it outputs the 0.1/0.5/0.9 quantiles of the
*measured* offset's residual at each horizon step, trained with the pinball loss.
"""
import argparse
import csv
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prep import covariate_grid, prepare  # noqa: E402

QUANTILES = [0.1, 0.5, 0.9]
CLIP = 20.0
TARGET_CLIP = 50.0
MIN_SCALE_S = 1e-6
OPSET = 17

SPECS = {
    "chronotick-short": dict(context=64, horizon=16, step=60.0, hidden=64, anchors=400,
                             role="short_term", description="short-term: 1-minute grid, 64-minute context, 16 minutes ahead"),
    "chronotick-long": dict(context=96, horizon=24, step=300.0, hidden=64, anchors=300,
                            role="long_term", description="long-term: 5-minute grid, 8-hour context, 2 hours ahead"),
    # Reads the host's temperature beside the offsets (a card covariate input); trained on
    # the series with a readable temperature and, with that input all zeros, on the rest.
    "chronotick-thermal": dict(context=128, horizon=32, step=60.0, hidden=96, anchors=400,
                               role="short_term", covariate="temperature_c", covariate_scale=1.0,
                               description="short-term with the host's temperature: 1-minute grid, 128-minute context, 32 minutes ahead"),
}


def read_series(path):
    """Times, measured offsets, the target of the median (the true offset when the
    series knows it (synthetic), else the measured one) and the temperature (NaN where
    the series has none)."""
    ts, ys, truth, temps = [], [], [], []
    with open(path) as f:
        for row in csv.DictReader(f):
            ts.append(float(row["timestamp"]))
            ys.append(float(row["offset_s"]))
            v = row.get("true_offset_s")
            truth.append(float(v) if v not in (None, "") else ys[-1])
            c = row.get("temperature_c")
            temps.append(float(c) if c not in (None, "") else math.nan)
    return np.array(ts), np.array(ys), np.array(truth), np.array(temps)


def windows(ts, ys, truth, temps, spec, rng, count):
    """Context tensors, normalised targets (measured, and true for the median), the
    horizon mask and, for a model with a covariate, its grid, for `count` anchors of
    one series."""
    C, H, step = spec["context"], spec["horizon"], spec["step"]
    n = len(ts)
    last_ok = np.searchsorted(ts, ts[-1] - H * step - step / 2) - 1
    if last_ok < 3:
        return None
    # A tenth of the anchors early in the series: the models must cope with short histories.
    early = rng.integers(1, min(40, last_ok) + 1, size=count // 10)
    rest = rng.integers(1, last_ok + 1, size=count - len(early))
    xs, zs, zts, ms, cs = [], [], [], [], []
    for i in np.concatenate([early, rest]):
        t_end = ts[i]
        x, a, b, s = prepare(ts[: i + 1], ys[: i + 1], t_end, C, step, CLIP, MIN_SCALE_S)
        if "covariate" in spec:
            cs.append(covariate_grid(ts[: i + 1], temps[: i + 1], t_end, C, step, spec["covariate_scale"]))
        z = np.zeros(H)
        zt = np.zeros(H)
        mask = np.zeros(H)
        targets = t_end + (np.arange(H) + 1) * step
        pos = np.searchsorted(ts, targets)
        for j in range(H):
            best = None
            for c in (pos[j] - 1, pos[j]):
                if i < c < n and abs(ts[c] - targets[j]) <= step / 2:
                    if best is None or abs(ts[c] - targets[j]) < abs(ts[best] - targets[j]):
                        best = c
            if best is not None:
                u = (ts[best] - t_end) / step
                z[j] = np.clip((ys[best] - (a + b * u)) / s, -TARGET_CLIP, TARGET_CLIP)
                zt[j] = np.clip((truth[best] - (a + b * u)) / s, -TARGET_CLIP, TARGET_CLIP)
                mask[j] = 1.0
        xs.append(x); zs.append(z); zts.append(zt); ms.append(mask)
    out = (np.array(xs), np.array(zs), np.array(zts), np.array(ms))
    return out + (np.array(cs),) if cs else out


class QuantileMlp(nn.Module):
    """Context residuals (NaN = missing) -> [batch, 3, horizon] ordered quantiles."""

    def __init__(self, context, horizon, hidden, covariate=False):
        super().__init__()
        self.horizon = horizon
        self.covariate = covariate
        width = 3 * context if covariate else 2 * context
        # A linear path from the context straight to the quantiles (zero at the start):
        # the best extrapolation of smooth curvature under white noise is close to a
        # linear filter, which this learns without overfitting; the MLP adds the rest.
        self.skip = nn.Linear(2 * context if covariate else context, 3 * horizon)
        nn.init.zeros_(self.skip.weight)
        nn.init.zeros_(self.skip.bias)
        self.body = nn.Sequential(
            nn.Linear(width, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 3 * horizon),
        )

    def forward(self, context, covariate=None):
        missing = torch.isnan(context)
        x = torch.where(missing, torch.zeros_like(context), context)
        if self.covariate:
            body = self.body(torch.cat([x, missing.float(), covariate], dim=1))
            skip = self.skip(torch.cat([x, covariate], dim=1))
        else:
            body, skip = self.body(torch.cat([x, missing.float()], dim=1)), self.skip(x)
        out = (body + skip).view(-1, 3, self.horizon)
        med = out[:, 0, :]
        lo = med - nn.functional.softplus(out[:, 1, :])
        hi = med + nn.functional.softplus(out[:, 2, :])
        return torch.stack([lo, med, hi], dim=1)


def pinball(pred, z, zt, mask):
    """The median learns the true offset where it is known (less label noise: the
    forecast is of the clock, not of the next packet's luck); the outer quantiles learn
    the measured one, so the interval covers the next measurement."""
    loss = 0.0
    for qi, q in enumerate(QUANTILES):
        e = (zt if q == 0.5 else z) - pred[:, qi, :]
        loss = loss + (torch.maximum(q * e, (q - 1) * e) * mask).sum()
    return loss / mask.sum().clamp(min=1.0)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def train_one(name, spec, data_dir, out_dir, steps, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    syn_dir = os.path.join(data_dir, "synthetic")
    rec_dir = os.path.join(data_dir, "recorded")
    thermal_dir = os.path.join(data_dir, "thermal")
    syn = sorted(os.path.join(syn_dir, f) for f in os.listdir(syn_dir) if f.endswith(".csv"))
    thermal = []
    if "covariate" in spec:
        # Two thirds of the windows with a temperature: the input must earn its keep
        # where it is present and do no harm where it is not.
        thermal = sorted(os.path.join(thermal_dir, f) for f in os.listdir(thermal_dir) if f.endswith(".csv"))
        syn = syn[: len(thermal) // 2] + thermal
    rec = sorted(f for f in os.listdir(rec_dir) if f.endswith(".csv"))
    parts = {"train": [], "val": [], "recorded": []}
    t0 = time.time()
    for n_file, f in enumerate(syn):
        w = windows(*read_series(f), spec, rng, spec["anchors"])
        if w is not None:
            parts["val" if n_file % 10 == 9 else "train"].append(w)
    rec_windows = 0
    for f in rec:
        # The recorded series are short; they enter the training set with many anchors
        # each, and a second draw of anchors calibrates the spread (in-sample: there are
        # only three short recordings).
        series = read_series(os.path.join(rec_dir, f))
        w = windows(*series, spec, rng, 400)
        if w is not None:
            parts["train"].append(w)
            rec_windows += len(w[0])
            w = windows(*series, spec, rng, 200)
            if w is not None:
                parts["recorded"].append(w)
    cat = {k: [torch.from_numpy(np.concatenate([p[i] for p in v]).astype(np.float32)) for i in range(len(v[0]))]
           for k, v in parts.items() if v}
    x, z, zt, m = cat["train"][:4]
    xv, zv, ztv, mv = cat["val"][:4]
    temp_train = cat["train"][4] if "covariate" in spec else None
    temp_val = cat["val"][4] if "covariate" in spec else None
    print(f"{name}: {len(x)} training windows ({rec_windows} from recorded series), {len(xv)} validation, "
          f"prepared in {time.time() - t0:.0f}s", flush=True)

    model = QuantileMlp(spec["context"], spec["horizon"], spec["hidden"], covariate="covariate" in spec)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    t0 = time.time()
    for it in range(steps):
        idx = torch.randint(0, len(x), (1024,))
        loss = pinball(model(x[idx], None if temp_train is None else temp_train[idx]), z[idx], zt[idx], m[idx])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        if it % 1000 == 0 or it == steps - 1:
            with torch.no_grad():
                pv = model(xv, temp_val)
                vl = pinball(pv, zv, ztv, mv).item()
                inside = ((zv >= pv[:, 0, :]) & (zv <= pv[:, 2, :])).float()
                cov = ((inside * mv).sum() / mv.sum()).item()
            print(f"  step {it:5d} train {loss.item():.4f} val pinball {vl:.4f} val 10-90% coverage {cov:.3f}", flush=True)
    train_s = time.time() - t0
    model.eval()
    # Calibration: the decoded 95% interval is median +- 1.96 sigma with sigma the 10-90%
    # spread over its z-distance; scale the spread so that it covers 95% of the next
    # measurements (first horizon column, what the replay scores) on the held-out
    # synthetic windows and on the recorded ones, whichever needs more.
    spread = {}
    with torch.no_grad():
        for part in (p for p in ("val", "recorded") if p in cat):
            xc, zc, _, mc = cat[part][:4]
            pc = model(xc, cat[part][4] if "covariate" in spec else None)
            # Each window's first horizon column with a measurement near it.
            keep = mc.sum(dim=1) > 0
            col = mc[keep].argmax(dim=1)
            rows = torch.arange(int(keep.sum()))
            pk, zk = pc[keep], zc[keep]
            dz = 2 * 1.2815515655446004
            sigma = (pk[rows, 2, col] - pk[rows, 0, col]).clamp(min=1e-6) / dz
            ratio = ((zk[rows, col] - pk[rows, 1, col]).abs() / (1.959963984540054 * sigma)).numpy()
            if len(ratio) > 0:
                spread[part] = float(np.quantile(ratio, 0.95))
    spread_scale = round(max([1.0, *spread.values()]), 3)
    print(f"  spread scale {spread_scale} (needed: {spread})", flush=True)

    os.makedirs(out_dir, exist_ok=True)
    onnx_file = f"{name}.onnx"
    onnx_path = os.path.join(out_dir, onnx_file)
    dummy = torch.zeros(1, spec["context"])
    if "covariate" in spec:
        torch.onnx.export(model, (dummy, torch.zeros(1, spec["context"])), onnx_path,
                          input_names=["context", "temperature"], output_names=["quantiles"],
                          dynamic_axes={"context": {0: "batch"}, "temperature": {0: "batch"}, "quantiles": {0: "batch"}},
                          opset_version=OPSET)
    else:
        torch.onnx.export(model, dummy, onnx_path, input_names=["context"], output_names=["quantiles"],
                          dynamic_axes={"context": {0: "batch"}, "quantiles": {0: "batch"}}, opset_version=OPSET)
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    n_params = sum(p.numel() for p in model.parameters())
    card = {
        "card_version": 1,
        "name": name,
        "description": spec["description"],
        "file": onnx_file,
        "sha256": sha256(onnx_path),
        "format": {"opset": OPSET, "producer": f"torch {torch.__version__}", "parameters": n_params},
        "inputs": [{"name": "context", "dtype": "float32", "shape": ["batch", spec["context"]]}]
        + ([{"name": "temperature", "dtype": "float32", "shape": ["batch", spec["context"]]}] if "covariate" in spec else []),
        **({"covariates": [{"name": spec["covariate"], "input": "temperature", "scale": spec["covariate_scale"]}]}
           if "covariate" in spec else {}),
        "outputs": [{"name": "quantiles", "dtype": "float32", "shape": ["batch", len(QUANTILES), spec["horizon"]],
                     "layout": "batch_quantile_horizon"}],
        "context_length": spec["context"],
        "horizon": spec["horizon"],
        "first_step": 1,
        "step_s": spec["step"],
        "quantile_levels": QUANTILES,
        "scaling": {"detrend": "resistant_line", "scale": "residual_mad", "min_scale_s": MIN_SCALE_S, "clip": CLIP,
                    "missing": "nan", "spread_scale": spread_scale},
        "predicts": "measured_offset",
        "training": {
            "script": "scripts/train/train.sh",
            "data": (f"{len(thermal)} of them with a readable temperature (thermal/, seeds 2001-{2000 + len(thermal)}: "
                     "cycles of 0.5-8 h, slow fluctuation, linear and quadratic response); " if thermal else "")
                    + f"{len(syn) - len(thermal)} synthetic 24-hour series from @chronotick/tsfm's simulator (seeds 1001-{1000 + len(syn) - len(thermal)}: "
                    "random drift up to +-200 ppm, wander, temperature cycles, steps, disciplined clocks, "
                    "heavy-tailed asymmetric network delay; polls every 16-1024 s; outages of 10-60 min in a third) and the recorded series "
                    f"{', '.join(rec)}",
            "windows": int(len(x)),
            "validation_windows": int(len(xv)),
            "steps": steps,
            "seed": seed,
            "loss": "pinball (quantile) loss on the normalised residuals: the median on the true offset where known, the 0.1/0.9 quantiles on the measured one",
            "train_seconds": round(train_s, 1),
            "validation_pinball": round(vl, 4),
            "validation_coverage_10_90": round(cov, 4),
            "calibration": {"spread_scale": spread_scale, "needed_heldout_synthetic": round(spread["val"], 3) if "val" in spread else None,
                            "needed_recorded_in_sample": round(spread["recorded"], 3) if "recorded" in spread else None,
                            "rule": "95% of the next measurements inside the decoded 95% interval, the larger need"},
        },
        "evaluation": None,
    }
    with open(os.path.join(out_dir, f"{name}.card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"{name}: wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes, {n_params} parameters)", flush=True)


def golden(out_path):
    """A fixture the TypeScript tests check prepare.ts against."""
    rng = np.random.default_rng(7)
    ts = 1.7e9 + np.cumsum(rng.uniform(20, 150, size=40))
    ys = 0.01 + 3e-5 * (ts - ts[0]) / 60 + rng.normal(0, 1e-3, size=40)
    ys[17] += 0.3
    cases = []
    for context, step in ((16, 60.0), (64, 60.0), (8, 300.0)):
        x, a, b, s = prepare(ts, ys, ts[-1], context, step, CLIP, MIN_SCALE_S)
        cases.append({"context": context, "step_s": step, "clip": CLIP, "min_scale_s": MIN_SCALE_S,
                      "input": [None if math.isnan(v) else float(v) for v in x],
                      "intercept": a, "slope": b, "scale": s})
    # A temperature for the covariate grid, from its own generator so the cases above stay as they were.
    trng = np.random.default_rng(11)
    temps = 40 + 3 * np.sin((ts - ts[0]) / 3000) + trng.normal(0, 0.2, size=len(ts))
    temps[[5, 6, 30, 39]] = np.nan
    covariate_cases = []
    for context, step, scale in ((16, 60.0, 1.0), (64, 60.0, 0.5), (8, 300.0, 2.0)):
        grid = covariate_grid(ts, temps, ts[-1], context, step, scale)
        covariate_cases.append({"context": context, "step_s": step, "scale": scale, "grid": grid.tolist()})
    with open(out_path, "w") as f:
        json.dump({"times_s": ts.tolist(), "offsets_s": ys.tolist(), "cases": cases,
                   "temperatures_c": [None if math.isnan(v) else float(v) for v in temps],
                   "covariate_cases": covariate_cases}, f)
        f.write("\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("out_dir")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--only", choices=list(SPECS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--golden")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.golden:
        golden(a.golden)
    for k, (name, spec) in enumerate(SPECS.items()):
        if a.only is None or a.only == name:
            train_one(name, spec, a.data_dir, a.out_dir, a.steps, seed=42 + k)


if __name__ == "__main__":
    main()

"""Input preparation of the shipped ChronoTick models, in numpy.

This is the training-side twin of packages/tsfm/src/onnx/prepare.ts; the two must
agree number for number (a golden fixture written by train.py is checked by the
TypeScript tests). Definitions:

* Grid: fixed in host time, cell k covers [k*step, (k+1)*step). The context is the C
  slots ending with the cell of the newest measurement t_end (slot C-1).
* Cell value: median of the offsets in it (mean of the two middle ones for an even
  count), at u = (k*step + mean(t - k*step) - t_end) / step grid steps: the trend is
  fitted where the measurements really are, not at the cell's edge.
* Trend: Tukey's resistant line over the observed cells (u, y):
  slope = (med(y of the last third) - med(y of the first third)) /
          (med(u of the last third) - med(u of the first third)),
  intercept = med(y - slope*u); with fewer than 3 cells (or no time span) slope 0,
  intercept med(y).
* Outlier cells: |residual| > 4 * 1.4826 * med(|residual|), except when the newest 3 or
  more cells are all such outliers on the same side (a step). The line is refitted
  without the outliers; they then count as missing.
* Scale: max(1.4826 * med(|residual of kept cells|), min_scale_s).
* Slots: kept cells' residuals; empty or rejected slots between kept ones linearly
  interpolated in slot index; after the newest kept one held; before the first missing.
* Input: clip(residual / scale, -clip, clip), NaN where missing.
* Output quantile q at horizon step j (0-based) is the residual at u = first_step + j:
  offset = intercept + slope*u + scale*q.
"""
import numpy as np

MAD_TO_SIGMA = 1.482602218505602  # as in packages/tsfm/src/statistical/robust.ts
REJECT_SIGMAS = 4.0
STEP_RUN = 3


def _median(v):
    return float(np.median(v)) if len(v) else 0.0


def resistant_line(u, y):
    n = len(y)
    if n < 3:
        return _median(y), 0.0
    m = n // 3
    du = _median(u[-m:]) - _median(u[:m])
    if not du > 0:
        return _median(y), 0.0
    slope = (_median(y[-m:]) - _median(y[:m])) / du
    return _median(y - slope * u), slope


def cells_of(ts, ys, t_end, context, step):
    """Observed cells of the context: (slot, u, median offset) arrays."""
    last = int(np.floor(t_end / step))
    lo = np.searchsorted(ts, (last - context + 1) * step - step)  # a cell's margin for rounding
    idx = np.floor(ts[lo:] / step).astype(np.int64)
    sel = idx > last - context
    idx, t, y = idx[sel], ts[lo:][sel], ys[lo:][sel]
    keys, first, counts = np.unique(idx, return_index=True, return_counts=True)
    # Medians per cell: sort by (cell, offset), then the middle one (or two) of each run.
    order = np.lexsort((y, idx))
    ysorted = y[order]
    mid_lo = first + (counts - 1) // 2
    mid_hi = first + counts // 2
    meds = (ysorted[mid_lo] + ysorted[mid_hi]) / 2
    starts = keys * step
    mean_rel = np.add.reduceat(t - starts.repeat(counts), first) / counts
    slots = context - 1 - (last - keys)
    us = (starts + mean_rel - t_end) / step
    return slots.astype(np.int64), us, meds


def prepare(ts, ys, t_end, context, step, clip, min_scale):
    """ts, ys: measurement times/offsets (sorted, all <= t_end). Returns (x, intercept, slope, scale)."""
    slots, u, y = cells_of(ts, ys, t_end, context, step)
    a, b = resistant_line(u, y)
    r = y - a - b * u
    sigma = MAD_TO_SIGMA * _median(np.abs(r))
    rej = (np.abs(r) > REJECT_SIGMAS * sigma) if sigma > 0 else np.zeros(len(r), dtype=bool)
    run = 0
    for j in range(len(r) - 1, -1, -1):
        if rej[j] and np.sign(r[j]) == np.sign(r[-1]):
            run += 1
        else:
            break
    if run >= STEP_RUN:
        rej[len(r) - run:] = False
    if rej.any():
        a, b = resistant_line(u[~rej], y[~rej])
        r = y - a - b * u
    scale = max(MAD_TO_SIGMA * _median(np.abs(r[~rej])), min_scale)
    grid = np.full(context, np.nan)
    grid[slots[~rej]] = r[~rej]
    obs = np.nonzero(~np.isnan(grid))[0]
    first = int(obs[0])
    k = np.arange(first, context)
    grid[first:] = np.interp(k, obs, grid[obs])  # holds the last value beyond the newest kept slot
    x = np.full(context, np.nan)
    x[first:] = np.clip(grid[first:] / scale, -clip, clip)
    return x, a, b, scale


def covariate_grid(ts, vs, t_end, context, step, scale):
    """A covariate on the context's grid (packages/tsfm/src/onnx/covariates.ts): per slot
    the mean of the readings in that cell (vs NaN where a measurement has none), empty
    slots interpolated linearly in slot index and held beyond the first and last reading,
    relative to the newest cell's reading, divided by scale. Zeros without any reading."""
    last = int(np.floor(t_end / step))
    lo = np.searchsorted(ts, (last - context + 1) * step - step)  # a cell's margin for rounding
    slots = context - 1 - (last - np.floor(ts[lo:] / step).astype(np.int64))
    v = vs[lo:]
    sel = (slots >= 0) & np.isfinite(v)
    sums = np.bincount(slots[sel], weights=v[sel], minlength=context)
    counts = np.bincount(slots[sel], minlength=context)
    obs = np.nonzero(counts > 0)[0]
    out = np.zeros(context)
    if len(obs) == 0:
        return out
    means = sums[obs] / counts[obs]
    rel = (means - means[-1]) / scale
    out[: obs[-1] + 1] = np.interp(np.arange(obs[-1] + 1), obs, rel)
    return out

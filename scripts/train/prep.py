"""Input preparation of the shipped ChronoTick models, in numpy.

This is the training-side twin of packages/tsfm/src/onnx/prepare.ts; the two must
agree number for number (a golden fixture written by train.py is checked by the
TypeScript tests). Definitions:

* Grid: C cells of `step` seconds ending at the newest measurement time t_end. Cell k
  (0..C-1) covers (g_k - step, g_k] with g_k = t_end - (C-1-k)*step, i.e. a
  measurement at t falls in k = C-1 - floor((t_end - t)/step).
* Cell value: median of the offsets in it (mean of the two middle ones for an even
  count). Empty cells between observed ones: linear interpolation in k. Empty cells
  before the first observed one: missing (NaN).
* Trend: Tukey's resistant line over the available cells, u_k = k - (C-1):
  slope = (med(y of the last third) - med(y of the first third)) /
          (med(u of the last third) - med(u of the first third)),
  intercept = med(y - slope*u); with fewer than 3 cells slope 0, intercept med(y).
* Scale: max(1.4826 * med(|residual|), min_scale_s).
* Input: clip(residual / scale, -clip, clip), NaN where missing.
* Output quantile q at horizon step j (0-based) is the residual at u = first_step + j:
  offset = intercept + slope*u + scale*q.
"""
import math
import numpy as np

MAD_TO_SIGMA = 1.482602218505602  # as in packages/tsfm/src/statistical/robust.ts


def _median(v):
    return float(np.median(v))


def prepare(ts, ys, t_end, context, step, clip, min_scale):
    """ts, ys: measurement times/offsets (sorted, all <= t_end). Returns (x, intercept, slope, scale)."""
    d = t_end - ts
    sel = d < context * step
    d = d[sel]
    yv = ys[sel]
    k = (context - 1) - np.floor(d / step).astype(np.int64)
    cells = np.full(context, np.nan)
    for kk in np.unique(k):
        cells[kk] = _median(yv[k == kk])
    observed = np.nonzero(~np.isnan(cells))[0]
    first = int(observed[0])
    idx = np.arange(first, context)
    cells[first:] = np.interp(idx, observed, cells[observed])
    u = (idx - (context - 1)).astype(np.float64)
    y = cells[first:]
    n = len(y)
    if n < 3:
        slope = 0.0
        intercept = _median(y)
    else:
        m = n // 3
        slope = (_median(y[-m:]) - _median(y[:m])) / (_median(u[-m:]) - _median(u[:m]))
        intercept = _median(y - slope * u)
    r = y - (intercept + slope * u)
    scale = max(MAD_TO_SIGMA * _median(np.abs(r)), min_scale)
    x = np.full(context, np.nan)
    x[first:] = np.clip(r / scale, -clip, clip)
    return x, intercept, slope, scale

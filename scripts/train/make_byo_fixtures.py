#!/usr/bin/python3
"""Stand-in ONNX files with the input/output signatures of exported foundation models,
for the bring-your-own card test (an interface test: these are not forecasters).

* chronos-bolt-signature.onnx: input `context` float32 [batch, 512] (NaN = missing),
  output `quantile_preds` float32 [batch, 9, 64], levels 0.1..0.9, as an export of
  Chronos-Bolt's forward pass gives.
* ttm-signature.onnx: input `past_values` float32 [batch, 512, 1], output
  `prediction_outputs` float32 [batch, 96, 1], a point forecast as TTM gives.

Each holds the last non-missing value flat over the horizon, with a fixed spread for
the quantiles, so the test can check the runner's plumbing exactly.
    /usr/bin/python3 scripts/train/make_byo_fixtures.py packages/tsfm/test/fixtures
"""
import hashlib
import json
import os
import sys

import torch
from torch import nn

LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


class HoldLastQuantiles(nn.Module):
    def __init__(self, horizon, spread):
        super().__init__()
        self.horizon = horizon
        self.register_buffer("offsets", torch.tensor([(l - 0.5) * spread for l in LEVELS]))

    def forward(self, context):
        last = context[:, -1:]
        return last.unsqueeze(1) + self.offsets.view(1, -1, 1) + torch.zeros(1, 1, self.horizon)


class HoldLastPoint(nn.Module):
    def __init__(self, horizon):
        super().__init__()
        self.horizon = horizon

    def forward(self, past_values):
        return past_values[:, -1:, :] + torch.zeros(1, self.horizon, 1)


def export(model, dummy, path, inp, out):
    torch.onnx.export(model, dummy, path, input_names=[inp], output_names=[out],
                      dynamic_axes={inp: {0: "batch"}, out: {0: "batch"}}, opset_version=17)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    sha = export(HoldLastQuantiles(64, 0.004), torch.zeros(1, 512), os.path.join(out_dir, "chronos-bolt-signature.onnx"),
                 "context", "quantile_preds")
    print("chronos-bolt-signature.onnx", sha)
    sha = export(HoldLastPoint(96), torch.zeros(1, 512, 1), os.path.join(out_dir, "ttm-signature.onnx"),
                 "past_values", "prediction_outputs")
    print("ttm-signature.onnx", sha)


if __name__ == "__main__":
    main()

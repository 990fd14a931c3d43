#!/bin/sh
# Reproduce the shipped models in packages/tsfm/models (about 25 minutes on 2 shared cores).
# Needs Debian's packages: apt-get install -y python3-torch python3-onnx python3-numpy
# Steps: build tsfm, export the simulator's training series, train and export ONNX with
# cards, then fill each card's "evaluation" from the replay evaluation.
set -eu
cd "$(dirname "$0")/../.."
DATA="${CHRONOTICK_TRAIN_DATA:-$(mktemp -d)}"
npx tsc -b packages/tsfm packages/daemon
node scripts/train/export-series.js "$DATA" --series 240 --seed 1000
/usr/bin/python3 scripts/train/train.py "$DATA" packages/tsfm/models --steps 3000 \
  --golden packages/tsfm/test/fixtures/prepare-golden.json
node scripts/train/evaluate-cards.js packages/tsfm/models

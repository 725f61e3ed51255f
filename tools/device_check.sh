#!/usr/bin/env bash
# The prepared GPU check, as the device tool runs it (see
# tools/device_check.py for what it checks):
#
#   here, once:   bash tools/prepare_device_wheels.sh     (writes .whl/)
#   then:         run(command="bash tools/device_check.sh", carry=[".whl"],
#                     timeout_s=540)
#
# On the device machine (Python 3.12, torch, no OpenMMLab packages, no
# network) it installs the carried wheels into /tmp/site and runs the check,
# the report going to $OUT (device_check.json, device_check.txt, logs).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-work_dirs/device_check}"
mkdir -p "$OUT"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --upgrade --target /tmp/site .whl/*.whl || exit 1
  # mmpretrain 1.2.0 imports its multimodal models whenever
  # `transformers>=4.28` is installed, and they break on transformers 5
  # (`TypeError: NoneType takes no arguments`); the device image has 5.x.
  # A stand-in dist-info first on the path reports transformers 0, so
  # mmpretrain skips them (nothing here uses them).
  mkdir -p /tmp/hide/transformers-0.dist-info
  printf 'Metadata-Version: 2.1\nName: transformers\nVersion: 0\n' \
    > /tmp/hide/transformers-0.dist-info/METADATA
  export PYTHONPATH=/tmp/hide:/tmp/site:$PWD
fi
export PYTHON=python3 PYTHONUNBUFFERED=1
python3 tools/device_check.py --out "$OUT" --budget-s "${BUDGET_S:-450}" "$@" \
  2>&1 | tee "$OUT/device_check.log"

#!/usr/bin/env bash
# Wheels for the GPU check on the lent device machine (Python 3.12, torch,
# numpy, opencv, scikit-image, scikit-learn there; no OpenMMLab, no
# network), into the git-ignored .whl/ that tools/device_check.sh installs.
# mmcv-lite (no compiled operators) stands in for mmcv: the fine-tuning part
# gets NMS and RoIAlign from the device's torchvision instead
# (splitmask_mm/mmcv_ops.py); a compiled mmcv's 109 MB library would not fit
# what a device call carries.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
rm -rf .whl && mkdir -p .whl
download() {
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 -d .whl "$@"
}
# pure-Python OpenMMLab packages and what they import that the device lacks
# (importlib-metadata 8.7.0: version 10 imports `lazy_importer`, which the
# device does not have)
download mmengine==0.10.7 mmpretrain==1.2.0 mmsegmentation==1.2.2 \
  mmdet==3.3.0 addict yapf termcolor mat4py model-index ordered-set \
  prettytable wcwidth ftfy terminaltables pycocotools shapely \
  importlib-metadata==8.7.0 platformdirs
# mmcv-lite is published as a source archive: build its (pure) wheel here
"$PY" -m pip wheel -q --no-deps --no-build-isolation -w .whl mmcv-lite==2.1.0
# (not numpy: the device's newer one works; only mmpretrain's retrieval
# metric, which nothing here uses, needs numpy < 2.4)
ls -la .whl
du -sh .whl

#!/usr/bin/env bash
# Install splitmask_mm and its pinned OpenMMLab stack into a virtual env.
#
#   bash tools/install.sh [--full] [--cuda] [VENV_DIR]   (default VENV_DIR: .venv)
#
# Default (a couple of minutes, no compiler): what pre-training, the
#   vocabulary tools, conversion, the pictures and classification
#   fine-tuning need, with mmcv-lite (mmcv without compiled operators).
# --full: adds mmcv with compiled operators (built from source, ~17 min on
#   2 cores the first time; pip caches the wheel), mmsegmentation and mmdet,
#   for segmentation and detection fine-tuning and the test suite. It
#   replaces mmcv-lite in place.
# --cuda: build mmcv's CUDA operators too (mmdet's RoIAlign/NMS on GPU
#   tensors need them). Chosen by itself when a GPU is present (nvidia-smi).
#   The CUDA compiler of torch's CUDA release comes from the package
#   registry (nvidia-cuda-nvcc; CUDA_HOME set: that toolkit instead).
#   TORCH_CUDA_ARCH_LIST picks the GPU architectures (default: this
#   machine's GPUs, e.g. 9.0 for H100/H200; set it to build on a machine
#   without a GPU).
#
# The pins and the reason for each are in docs/STACK.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FULL=0
CUDA=auto
VENV="$ROOT/.venv"
for arg in "$@"; do
  case "$arg" in
    --full) FULL=1 ;;
    --cuda) CUDA=1; FULL=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "unknown option $arg (see: bash tools/install.sh --help)" >&2; exit 2 ;;
    *) VENV="$arg" ;;
  esac
done
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3

start=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
  echo "[install] creating virtual env $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
PIP="$VPY -m pip"
$PIP install -q --upgrade "pip<26.2"
# The default level installs without byte-compiling every module (pip's
# default: most of torch's install time, thousands of files no run imports)
# and compiles afterwards what its tools import (see the end). Measured on 2
# cores from an empty cache: 152 -> 87 s for torch, mmcv-lite and
# requirements.txt. The full level keeps pip's default (its mmcv build
# dwarfs it, and the tests import much more).
NOCOMPILE=--no-compile
[ "$FULL" = 1 ] && NOCOMPILE=

echo "[install] torch 2.14.1 + torchvision 0.29.1"
$PIP install -q $NOCOMPILE "setuptools<81" wheel ninja torch==2.14.1 torchvision==0.29.1 numpy==2.3.5

has_ops() { "$VPY" -c "import mmcv.ops" 2>/dev/null; }
# mmcv names the CUDA it was compiled with; a CPU-only build says 'not available'
has_cuda_ops() { "$VPY" -c "import sys; from mmcv.ops import get_compiling_cuda_version as v; sys.exit(v() == 'not available')" 2>/dev/null; }
SITE="$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [ "$FULL" = 1 ]; then
  if [ "$CUDA" = auto ]; then
    CUDA=0
    if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then CUDA=1; fi
  fi
  if ! has_ops || { [ "$CUDA" = 1 ] && ! has_cuda_ops; }; then
    # mmcv-lite and mmcv install the same package: one at a time
    $PIP uninstall -q -y mmcv-lite mmcv 2>/dev/null || true
    # torch 2.14's headers need C++20; mmcv's setup.py hard-codes -std=c++17
    # (for g++ and for nvcc): wrappers swap the flag
    write_std20_wrapper() {  # $1: wrapper path, $2: the real compiler
      printf '%s\n' '#!/usr/bin/env bash' 'args=()' 'for a in "$@"; do' \
        '  if [ "$a" = "-std=c++17" ]; then args+=("-std=c++20"); else args+=("$a"); fi' \
        'done' "exec \"$2\" \"\${args[@]}\"" > "$1"
      chmod +x "$1"
    }
    WRAP="$VENV/bin/cxx20"
    write_std20_wrapper "$WRAP" g++
    NOCACHE=
    if [ "$CUDA" = 1 ]; then
      TORCH_CUDA="$("$VPY" -c 'import torch; print(torch.version.cuda or "")')"
      [ -n "$TORCH_CUDA" ] || { echo "[install] --cuda: this torch is a CPU-only build" >&2; exit 1; }
      if [ -z "${CUDA_HOME:-}" ]; then
        # the CUDA compiler of torch's own CUDA release from the package
        # registry; it sits beside the CUDA headers and libraries torch's
        # wheels brought (cuBLAS, cuSPARSE, ... headers that torch's own
        # headers include), so no CUDA toolkit is needed on the machine
        echo "[install] CUDA $TORCH_CUDA compiler (nvidia-cuda-nvcc) from the package registry"
        $PIP install -q "nvidia-cuda-nvcc==$TORCH_CUDA.*" "nvidia-cuda-crt==$TORCH_CUDA.*" \
          "nvidia-nvvm==$TORCH_CUDA.*" "nvidia-cuda-cccl==$TORCH_CUDA.*"
        CUDA_HOME="$SITE/nvidia/cu${TORCH_CUDA%%.*}"
        # the wheels ship libcudart.so.N only; the link step asks for -lcudart
        mkdir -p "$VENV/cuda-link"
        ln -sf "$CUDA_HOME/lib/libcudart.so.${TORCH_CUDA%%.*}" "$VENV/cuda-link/libcudart.so"
        export LIBRARY_PATH="$VENV/cuda-link${LIBRARY_PATH:+:$LIBRARY_PATH}"
      fi
      [ -x "$CUDA_HOME/bin/nvcc" ] || { echo "[install] no nvcc in CUDA_HOME=$CUDA_HOME" >&2; exit 1; }
      if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ]; then
        TORCH_CUDA_ARCH_LIST="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | sort -u | paste -sd ';' -)"
        [ -n "$TORCH_CUDA_ARCH_LIST" ] || { echo "[install] no GPU here: set TORCH_CUDA_ARCH_LIST (e.g. 9.0) for a CUDA build" >&2; exit 1; }
      fi
      write_std20_wrapper "$VENV/bin/nvcc20" "$CUDA_HOME/bin/nvcc"
      export CUDA_HOME TORCH_CUDA_ARCH_LIST PYTORCH_NVCC="$VENV/bin/nvcc20"
      # pip's wheel cache is keyed by the source, not by FORCE_CUDA: a
      # cached CPU-only build would come back
      NOCACHE=--no-cache-dir
      echo "[install] mmcv 2.1.0 with compiled CPU and CUDA operators for architectures $TORCH_CUDA_ARCH_LIST ($("$CUDA_HOME/bin/nvcc" --version | tail -1); 49 min for one architecture on 2 cores)"
    else
      echo "[install] mmcv 2.1.0 with compiled CPU operators (first time: ~17 min on 2 cores; cached afterwards)"
    fi
    CXX="$WRAP" MAX_JOBS="${MAX_JOBS:-$(nproc)}" FORCE_CUDA="$CUDA" MMCV_WITH_OPS=1 \
      $PIP install --no-build-isolation $NOCACHE mmcv==2.1.0
  fi
  if [ "$CUDA" = 1 ] && ! has_cuda_ops; then
    echo "[install] mmcv was built without its CUDA operators (see the build log above)" >&2; exit 1
  fi
  # A build without torch visible silently skips the ops: check them.
  "$VPY" -c "import mmcv.ops, mmcv; print('[install] mmcv', mmcv.__version__, 'with compiled ops, CUDA:', mmcv.ops.get_compiling_cuda_version())"
  $PIP install -q -r "$ROOT/requirements-full.txt"
  # a default-level env grown to full: compile what that level left out
  # (only missing files are compiled; quiet, as pip is about files that
  # are not Python 3.11 source)
  "$VPY" -m compileall -qq -j 0 "$SITE" || true
else
  if ! has_ops; then
    $PIP install -q $NOCOMPILE mmcv-lite==2.1.0
  fi
  $PIP install -q $NOCOMPILE -r "$ROOT/requirements.txt"
fi

$PIP install -q --no-build-isolation --no-deps -e "$ROOT"
if [ "$FULL" = 1 ]; then
  "$VPY" -c "import splitmask_mm, mmseg, mmdet, mmpretrain; print('[install] splitmask_mm', splitmask_mm.__version__, 'ready: full stack (pre-training, mmseg, mmdet, mmpretrain)')"
else
  # The check imports what the demo and the pre-training tools load, with
  # byte-code writing on (whatever PYTHONDONTWRITEBYTECODE says): their
  # modules get the .pyc files pip was told not to write, once, here.
  env -u PYTHONDONTWRITEBYTECODE "$VPY" -c "import splitmask_mm.models, splitmask_mm.datasets, splitmask_mm.engine, splitmask_mm.demo_data, mmpretrain.models, mmpretrain.datasets, mmengine.runner, skimage.data, torch.utils.tensorboard; print('[install] splitmask_mm', splitmask_mm.__version__, 'ready: pre-training and classification (segmentation and detection: bash tools/install.sh --full)')"
fi
echo "[install] done in $(( $(date +%s) - start )) s; the env is $VENV (the tools use it: no need to activate)"

#!/usr/bin/env bash
# Install splitmask_mm and its pinned OpenMMLab stack into a virtual env.
#
#   bash tools/install.sh [VENV_DIR]      (default: .venv in the repo root)
#
# The pins and the reason for each are in docs/STACK.md. The slow step is
# compiling mmcv 2.1.0 (~17 min on 2 cores); pip caches the wheel it builds,
# so a second install on the same machine takes a minute or two.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3

if [ ! -x "$VENV/bin/python" ]; then
  echo "[install] creating virtual env $VENV"
  "$PY" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade "pip<26.2"

echo "[install] torch 2.14.1 + torchvision 0.29.1 and build tools"
$PIP install "setuptools<81" wheel ninja torch==2.14.1 torchvision==0.29.1 numpy==2.3.5

# torch 2.14 headers need C++20; mmcv's setup.py hard-codes -std=c++17.
WRAP="$VENV/bin/cxx20"
cat > "$WRAP" <<'EOW'
#!/usr/bin/env bash
args=()
for a in "$@"; do
  if [ "$a" = "-std=c++17" ]; then args+=("-std=c++20"); else args+=("$a"); fi
done
exec g++ "${args[@]}"
EOW
chmod +x "$WRAP"

if ! "$VENV/bin/python" -c "import mmcv.ops" 2>/dev/null; then
  echo "[install] mmcv 2.1.0 with compiled ops (first time: ~17 min; cached afterwards)"
  CXX="$WRAP" MAX_JOBS="${MAX_JOBS:-2}" FORCE_CUDA=0 MMCV_WITH_OPS=1 \
    $PIP install --no-build-isolation mmcv==2.1.0
fi
# A build without torch visible silently skips the ops: check them.
"$VENV/bin/python" -c "import mmcv.ops, mmcv; print('[install] mmcv', mmcv.__version__, 'with ops')"

echo "[install] OpenMMLab stack and splitmask_mm"
$PIP install -r "$ROOT/requirements.txt"
$PIP install --no-build-isolation --no-deps -e "$ROOT"
"$VENV/bin/python" -c "import splitmask_mm, mmseg, mmdet, mmpretrain; print('[install] splitmask_mm', splitmask_mm.__version__, 'ready')"

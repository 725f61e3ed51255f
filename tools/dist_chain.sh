#!/usr/bin/env bash
# Pre-train, convert, fine-tune and evaluate, each training stage on GPUS
# processes (torchrun through tools/dist_train.sh; CPU/gloo without a GPU).
#
#   tools/dist_chain.sh configs/chains/ade20k_vit-b.py 8
#
# Stages whose outputs exist are skipped, so running it again after an
# interruption resumes the chain (a training stage from its last checkpoint).
set -e
CHAIN=$1
GPUS=${2:-1}
if [ -z "$CHAIN" ]; then
  echo "usage: $0 CHAIN_CONFIG [GPUS]" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/tools/find_python.sh"
PYTHONPATH="$ROOT":$PYTHONPATH exec $PYTHON "$ROOT/tools/chain.py" "$CHAIN" --gpus "$GPUS"

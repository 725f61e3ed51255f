#!/usr/bin/env bash
# Distributed training with torchrun.
#
#   tools/dist_train.sh CONFIG GPUS [train.py options]
#
# Multi-node: run on every node with NNODES, NODE_RANK, MASTER_ADDR, PORT set.
# Without a GPU the processes train on CPU (gloo).
# MAX_RESTARTS=N: torchrun restarts the workers up to N times after a
# failure, and every start resumes from the work dir's last checkpoint.
set -e
CONFIG=$1
GPUS=$2
if [ -z "$CONFIG" ] || [ -z "$GPUS" ]; then
  echo "usage: $0 CONFIG GPUS [train.py options]" >&2
  exit 2
fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
MAX_RESTARTS=${MAX_RESTARTS:-0}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/tools/find_python.sh"
RESUME=()
if [ "$MAX_RESTARTS" -gt 0 ]; then
  RESUME=(--resume)  # a later --resume PATH among the options still wins
fi

PYTHONPATH="$ROOT":$PYTHONPATH \
exec $PYTHON -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    --max-restarts=$MAX_RESTARTS \
    "$ROOT/tools/train.py" \
    $CONFIG \
    --launcher pytorch "${RESUME[@]}" ${@:3}

#!/usr/bin/env bash
# Training under Slurm (one task per GPU), surviving time limits and
# pre-emption.
#
#   [GPUS=8] [GPUS_PER_NODE=8] tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR [train.py options]
#
# Every start resumes from WORK_DIR's newest checkpoint. Slurm signals the
# tasks SIGNAL_SECS (default 300) seconds before the time limit (SIGUSR1) or
# on pre-emption (SIGTERM): the run finishes its iteration, saves
# iter_N.pth and exits with 75. Then:
#   - inside a batch job (sbatch --requeue ... tools/slurm_train.sh ...):
#     `scontrol requeue` puts the job back in the queue; it resumes;
#   - run from a login node (srun makes its own allocation): srun again, at
#     most MAX_REQUEUES (default 10) times.
# Any other failure is not retried: it would fail again.
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
SIGNAL_SECS=${SIGNAL_SECS:-300}
MAX_REQUEUES=${MAX_REQUEUES:-10}
PREEMPTED=75  # splitmask_mm.engine.PREEMPTED_EXIT_CODE
PY_ARGS=${@:5}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/tools/find_python.sh"

attempt=0
while true; do
  PYTHONPATH="$ROOT":$PYTHONPATH \
  srun -p ${PARTITION} \
      --job-name=${JOB_NAME} \
      --gres=gpu:${GPUS_PER_NODE} \
      --ntasks=${GPUS} \
      --ntasks-per-node=${GPUS_PER_NODE} \
      --cpus-per-task=${CPUS_PER_TASK} \
      --kill-on-bad-exit=1 \
      --signal=USR1@${SIGNAL_SECS} \
      ${SRUN_ARGS} \
      $PYTHON -u "$ROOT/tools/train.py" ${CONFIG} --work-dir=${WORK_DIR} \
      --launcher="slurm" --resume ${PY_ARGS}
  status=$?
  if [ $status -ne $PREEMPTED ]; then
    exit $status
  fi
  if [ -n "$SLURM_JOB_ID" ]; then
    echo "Stopped by Slurm with a checkpoint: requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID"
    exit $status
  fi
  attempt=$((attempt + 1))
  if [ $attempt -gt "$MAX_REQUEUES" ]; then
    echo "Stopped $attempt times; not restarting again (MAX_REQUEUES)"
    exit $status
  fi
  echo "Stopped with a checkpoint: starting again ($attempt/$MAX_REQUEUES)"
done

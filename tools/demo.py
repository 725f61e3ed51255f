# Copyright (c) splitmask_mm authors. All rights reserved.
"""SplitMask pre-training demo on CPU, no download.

Writes the sample photos that scikit-image ships (colour, grey-scale and
RGBA PNG/JPEG files) to ``data/demo/images`` and pre-trains the tiny
``configs/splitmask/vit-tiny_demo.py`` on them for a few minutes with the
paper's recipe (random-projection targets: nothing to build first),
logging progress and writing checkpoints to ``work_dirs/vit-tiny_demo``.

    python tools/demo.py [--work-dir DIR] [--iters N] [--cfg-options ...]
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time


ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'configs', 'splitmask', 'vit-tiny_demo.py')
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


# what the demo shows of the training log: progress, losses, checkpoints,
# warnings and errors (the whole log is in WORK_DIR/train.log)
SHOWN = re.compile(r'Iter\(train\)|Saving checkpoint| - (WARNING|ERROR) - |'
                   r'Traceback|\w+(Error|Exception)\b')


def run(cmd: list, log_file: str) -> None:
    """Run the training, showing its progress lines, logging everything."""
    print('[demo] ' + ' '.join(cmd), flush=True)
    print(f'[demo] full log: {log_file}', flush=True)
    os.makedirs(osp.dirname(osp.abspath(log_file)), exist_ok=True)
    tail = []
    with open(log_file, 'w') as log, subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1) as proc:
        for line in proc.stdout:
            log.write(line)
            tail = (tail + [line])[-40:]
            if SHOWN.search(line):
                print(line.rstrip()[:240], flush=True)
    if proc.returncode:
        sys.stdout.write(''.join(tail))
        raise SystemExit(f'[demo] training failed (exit {proc.returncode}); '
                         f'the whole log is {log_file}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/vit-tiny_demo')
    parser.add_argument('--data-root', default='data/demo')
    parser.add_argument('--iters', type=int, help='training iterations')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    args = parser.parse_args()

    from splitmask_mm.demo_data import write_sample_images
    img_dir = osp.join(args.data_root, 'images')
    count = write_sample_images(img_dir, max_side=256)
    print(f'[demo] {count} sample photos written to {img_dir}')

    options = [f'train_dataloader.dataset.data_root={args.data_root}']
    if args.iters:  # the warm-up and the cosine follow the length
        options.append(f'train_cfg.max_iters={args.iters}')
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), CONFIG, '--work-dir',
        args.work_dir, '--cfg-options'
    ] + options + list(args.cfg_options)
    start = time.time()
    run(cmd, osp.join(args.work_dir, 'train.log'))
    minutes = (time.time() - start) / 60

    # this run's last checkpoint (mmengine names it in `last_checkpoint`;
    # an earlier, longer run in the same work dir may have left higher ones)
    checkpoint = '(none)'
    marker = osp.join(args.work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker) as f:
            checkpoint = f.read().strip()
    logs = sorted(glob.glob(osp.join(args.work_dir, '*', 'vis_data',
                                     'scalars.json')))
    last = {}
    if logs:
        with open(logs[-1]) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        last = lines[-1] if lines else {}
    losses = ', '.join(f'{k}={v:.4f}' for k, v in last.items()
                       if k.startswith('loss'))
    print(f'[demo] done in {minutes:.1f} min; final {losses}; checkpoint '
          f'{checkpoint}')


if __name__ == '__main__':
    main()

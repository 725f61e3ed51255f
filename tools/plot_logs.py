# Copyright (c) splitmask_mm authors. All rights reserved.
"""Plot mmengine's scalar logs of one or several runs side by side.

    python tools/plot_logs.py WORK_DIR [WORK_DIR ...] \
        [--keys loss loss_mim loss_match] [--out curves.png]

Reads the newest ``<timestamp>/vis_data/scalars.json`` of each work dir
(what every run writes through mmengine's LocalVisBackend), one panel per
key, iteration on x, one line per run.
"""
import argparse
import glob
import json
import os.path as osp
import sys


def read_scalars(work_dir: str) -> list:
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise SystemExit(f'no */vis_data/scalars.json under {work_dir}')
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--keys', nargs='+',
                        default=['loss', 'loss_mim', 'loss_match'])
    parser.add_argument('--out', default='curves.png')
    args = parser.parse_args()

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    runs = {d: read_scalars(d) for d in args.work_dirs}
    fig, axes = plt.subplots(1, len(args.keys),
                             figsize=(4.5 * len(args.keys), 3.5),
                             squeeze=False)
    plotted = {}
    for ax, key in zip(axes[0], args.keys):
        for work_dir, rows in runs.items():
            points = [(r.get('iter', r.get('step')), r[key]) for r in rows
                      if key in r]
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, label=osp.basename(osp.normpath(work_dir)))
            plotted[key] = plotted.get(key, 0) + len(points)
        ax.set_title(key)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    missing = [k for k, n in plotted.items() if n == 0]
    if missing:
        print(f'[plot] no values for {missing} in these logs',
              file=sys.stderr)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f'[plot] {len(runs)} run(s), points per key {plotted} -> '
          f'{args.out}')


if __name__ == '__main__':
    main()

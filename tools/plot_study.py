# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pictures of a study's results: a metric against pre-training length,
and against the share of labelled training scenes.

    python tools/plot_study.py WORK_DIR/results.json [--metric mIoU]
        [--out-dir docs]

Writes ``study_vs_pretraining.png`` (one panel per task: every arm's mean
and seed range at its pre-training length, methods joined by lines,
random initialisation as a horizontal band) and ``study_vs_labels.png``
(each arm's metric at each label share of the tasks that are not frozen
probes) and, where the results have them, ``study_gaps.png`` (each arm's
gap to random init per seed, a draw of the data with ``draws=True``).
"""
import argparse
import json
import os
import os.path as osp

METHODS = (('splitmask', 'SplitMask', 'tab:red'),
           ('beit', 'BEiT', 'tab:blue'),
           ('mae', 'MAE', 'tab:green'),
           ('mocov3', 'MoCo v3', 'tab:purple'))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', help="a study's results.json")
    parser.add_argument('--metric', default='mIoU')
    parser.add_argument('--out-dir', default='docs')
    return parser.parse_args()


def method_of(key: str):
    for prefix, name, colour in METHODS:
        if key.startswith(prefix):
            return prefix, name, colour
    return None


def values(runs: dict, column: str):
    """A column's values over the runs, in percent: mmdet's COCO AP is a
    fraction, mmseg's mIoU a percentage (study.percent_scale's rule; this
    reader does not import the study tool)."""
    scale = 100 if 'mAP' in column else 1
    found = [r['metrics'].get(column) for r in runs.values()]
    return [v * scale for v in found if v is not None]


def task_title(task: str, spec: dict) -> str:
    parts = [task]
    if spec.get('labels', 1.0) < 1:
        parts.append(f'{spec["labels"]:.0%} labels')
    if spec.get('frozen'):
        parts.append('frozen backbone')
    return ', '.join(parts)


def measured_ticks(ax, xs, label) -> None:
    """A log x axis ticked at the measured values only: its own minor
    labels (2x10^3, 3x10^3, ...) overprint each other between 1k and 8k."""
    from matplotlib import ticker
    ax.set_xscale('log')
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ticks = sorted(xs)
    ax.set_xticks(ticks, [label(x) for x in ticks])


def plot_tables(plt, study: dict, tasks: dict, metric: str,
                out_dir: str) -> str:
    """study_tables.png: the paper-form tables as grouped bars."""
    results, cells = study['results'], study['cells']
    columns = study['tables']['columns']
    # (table, task) pairs some cell ran: a row of panels per such table
    # (length), a column per such task
    measured = [(c['table'], t) for k, c in cells.items() for t in tasks
                if values(results.get(k, {}), f'{t}/{metric}')]
    tasks = {t: s for t, s in tasks.items()
             if any(t == r for _, r in measured)}
    names = list(dict.fromkeys(name for name, _ in measured))
    fig, axes = plt.subplots(len(names), len(tasks), squeeze=False,
                             figsize=(4.6 * len(tasks), 3.4 * len(names)))
    reference = study['tables'].get('reference')
    for row, name in enumerate(names):
        mine = {k: c for k, c in cells.items() if c['table'] == name}
        methods = list(dict.fromkeys(c['row'] for c in mine.values()))
        key_of = {(c['row'], c['column']): k for k, c in mine.items()}
        ref = results.get(reference, {})
        width = 0.8 / len(methods)
        for ax, (task, spec) in zip(axes[row], tasks.items()):
            column = f'{task}/{metric}'
            # bars on the seeds (draws) every cell ran, as results.md's
            # tables; a cell's other draws show as dots only
            ran = [{s for s, r in results[k].items()
                    if r['metrics'].get(column) is not None}
                   for k in mine if values(results.get(k, {}), column)]
            common = set.intersection(*ran) if ran else set()
            # the reference: its range over the seeds any cell ran (a
            # band), its mean on the common ones (a line) where they differ
            ref_vs = values({s: r for s, r in ref.items()
                             if ran and s in set.union(*ran)}, column)
            if ref_vs:
                ax.axhspan(min(ref_vs) - 0.1, max(ref_vs) + 0.1,
                           color='grey', alpha=0.3,
                           label=f'{reference} ({len(ref_vs)})')
            shared = values({s: r for s, r in ref.items() if s in common},
                            column)
            if shared and len(shared) < len(ref_vs):
                ax.axhline(sum(shared) / len(shared), color='grey',
                           ls='--', lw=1)
            for i, method in enumerate(methods):
                colour = next((c for _, n, c in METHODS if n == method),
                              'grey')
                label = method  # on the method's first bar only
                for j, col in enumerate(columns):
                    vs = values(results.get(key_of.get((method, col)),
                                            {}), column)
                    if not vs:
                        continue
                    x = j + (i - (len(methods) - 1) / 2) * width
                    shared = values({s: r for s, r in results[key_of[
                        method, col]].items() if s in common}, column)
                    if shared:
                        ax.bar(x, sum(shared) / len(shared), width,
                               color=colour, alpha=0.75, label=label)
                    label = None
                    ax.plot([x] * len(vs), vs, 'k.', ms=3)
            ax.set_xticks(range(len(columns)), columns)
            ax.set_xlabel('pre-training images')
            ax.set_ylabel(f'{metric} (%)')
            drawn = ', '.join(sorted(common, key=int))
            ax.set_title(f'{name}\n{task_title(task, spec)}' + (
                f'\n(bars: seeds {drawn}; dots: every seed run)'
                if any(r != common for r in ran) else ''), fontsize=9)
            ax.grid(alpha=0.3, axis='y')
            shown = [v for k in mine for v in values(
                results.get(k, {}), column)] + ref_vs
            if shown:  # bars from just below the lowest value, not 0
                ax.set_ylim(min(shown) - 5, max(shown) + 3)
        axes[row][0].legend(fontsize=7)
    fig.tight_layout()
    path = osp.join(out_dir, 'study_tables.png')
    fig.savefig(path, dpi=110)
    return path


def main():
    args = parse_args()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    with open(args.results) as f:
        study = json.load(f)
    results, arms = study['results'], study['arms']
    tasks = {t: s for t, s in study['downstream'].items()
             if args.metric in s['metrics']}
    if not tasks:
        raise SystemExit(f'no task of {args.results} reports {args.metric}')
    os.makedirs(args.out_dir, exist_ok=True)
    if study.get('cells'):
        print('wrote ' + plot_tables(plt, study, tasks, args.metric,
                                     args.out_dir))
        return

    # 1. the metric against pre-training length, a panel per task
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.6),
                             squeeze=False)
    for ax, (task, spec) in zip(axes[0], tasks.items()):
        column = f'{task}/{args.metric}'
        panel_xs = set()
        if 'random' in results:
            vs = values(results['random'], column)
            if vs:
                mean = sum(vs) / len(vs)
                ax.axhspan(min(vs), max(vs), color='grey', alpha=0.2)
                ax.axhline(mean, color='grey', ls='--',
                           label=f'random init ({len(vs)} seeds)')
        for prefix, name, colour in METHODS:
            points = []
            for key, runs in results.items():
                if method_of(key) and method_of(key)[0] == prefix and \
                        arms[key]['pretrain_iters'] and \
                        all(k not in key for k in ('fp32', 'kmeans',
                                                   'nomatch')):
                    vs = values(runs, column)
                    if vs:
                        points.append((arms[key]['pretrain_iters'], vs))
            if not points:
                continue
            points.sort()
            xs = [p[0] for p in points]
            panel_xs.update(xs)
            means = [sum(v) / len(v) for _, v in points]
            ax.plot(xs, means, 'o-', color=colour, label=name)
            for x, v in points:
                if len(v) > 1:
                    ax.vlines(x, min(v), max(v), color=colour, alpha=0.6)
        measured_ticks(ax, panel_xs, lambda x: f'{x / 1000:g}k'
                       if x >= 1000 else f'{x:g}')
        ax.set_xlabel('pre-training iterations (batch 32)')
        ax.set_ylabel(f'{args.metric} (%)')
        ax.set_title(task_title(task, spec), fontsize=10)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    first = osp.join(args.out_dir, 'study_vs_pretraining.png')
    fig.savefig(first, dpi=110)

    # 2. the metric against the label share (fine-tuned tasks)
    shares = {t: s.get('labels', 1.0) for t, s in tasks.items()
              if not s.get('frozen')}
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for key, runs in results.items():
        points = []
        for task, share in sorted(shares.items(), key=lambda x: x[1]):
            vs = values(runs, f'{task}/{args.metric}')
            if vs:
                points.append((share * 100, vs))
        if len(points) < 2:
            continue
        found = method_of(key)
        colour = found[2] if found else 'grey'
        style = '--' if key == 'random' else '-'
        xs = [p[0] for p in points]
        ax.plot(xs, [sum(v) / len(v) for _, v in points], 'o' + style,
                color=colour, label=arms[key]['name'],
                alpha=1.0 if 'splitmask-4k' in key or key == 'random' or
                not key.startswith('splitmask') else 0.5)
        for x, v in points:
            if len(v) > 1:
                ax.vlines(x, min(v), max(v), color=colour, alpha=0.6)
    measured_ticks(ax, {v * 100 for v in shares.values()}, '{:g}'.format)
    ax.set_xlabel('labelled training scenes (%)')
    ax.set_ylabel(f'{args.metric} (%)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    second = osp.join(args.out_dir, 'study_vs_labels.png')
    fig.savefig(second, dpi=110)
    written = [first, second]

    # 3. each arm's gap to random init, seed by seed (a draw of the data
    # with draws=True): a dot per seed, a bar at the mean
    found = [g for g in study.get('gaps', []) if len(g['per_seed']) > 1]
    if found:
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(found) + 1.2))
        for row, g in enumerate(found):
            colour = (method_of(g['arm']) or (0, 0, 'grey'))[2]
            gaps = list(g['per_seed'].values())
            ax.plot(gaps, [row] * len(gaps), 'o', color=colour, alpha=0.7)
            ax.plot([g['mean']] * 2, [row - 0.3, row + 0.3], '-',
                    color=colour, lw=2)
        ax.axvline(0, color='grey', ls='--')
        ax.set_yticks(range(len(found)), [
            f'{g["arm"]}: {g["metric"]}' + (
                f' (p {g["p"]:.2f})' if g['p'] is not None else '')
            for g in found], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel('gap to random init per ' + (
            'draw' if study.get('draws') else 'seed') + ' (dots), mean (bar)')
        ax.grid(alpha=0.3, axis='x')
        fig.tight_layout()
        third = osp.join(args.out_dir, 'study_gaps.png')
        fig.savefig(third, dpi=110)
        written.append(third)
    print('wrote ' + ', '.join(written))


if __name__ == '__main__':
    main()

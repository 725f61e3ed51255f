# Copyright (c) splitmask_mm authors. All rights reserved.
"""tools/study.py: arms x downstream tasks through the real chain."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from helpers import ROOT, load_tool, python_env

STUDY = osp.join(ROOT, 'configs', 'study', 'digit_scenes.py')


def run_study(config, *args, timeout=1800):
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'study.py'), config] +
        list(args), cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc.stdout


# slow: nine training/evaluation processes (about 3 minutes on 2 cores)
@pytest.mark.slow
def test_study_runs_arms_through_the_chain_and_skips_what_is_done(tmp_path):
    """A tiny study: random init and SplitMask, a few iterations each,
    both downstream tasks; the second run finds every stage done."""
    config = tmp_path / 'tiny_study.py'
    config.write_text(f'''
_base_ = [{STUDY!r}]
work_dir = {str(tmp_path / 'work')!r}
data = dict(num_train=16, num_val=8, size=64, seed=0)
pretrain_iters = 2
downstream = dict(
    _delete_=True,
    seg=dict(config=_base_.seg_config, metrics=['mIoU', 'mAcc'], iters=2,
             tune=True),
    seg_p10=dict(config=_base_.seg_config, metrics=['mIoU'], iters=2,
                 labels=0.25),
    probe=dict(config=_base_.seg_config, metrics=['mIoU'], iters=2,
               frozen=True),
    det=dict(config='configs/study/maskrcnn_vit-tiny-p8_digits.py',
             metrics=['bbox_mAP', 'segm_mAP'], iters=2))
grid = dict(_delete_=True, lr=[1e-4, 1e-3], iters=[2, 3])
arms = [
    dict(key='random', name='random init', seeds=[0]),
    dict(key='splitmask', name='SplitMask (paper defaults)',
         config='configs/study/splitmask_vit-tiny-p8_digits.py', seeds=[0],
         tune=True),
    dict(key='mae', name='MAE',
         config='configs/study/mae_vit-tiny-p8_digits.py',
         seeds=[0], recipe_from='splitmask'),
]
''')
    out = run_study(str(config))
    for stage in ('splitmask seed 0: pre-training: running',
                  'splitmask seed 0: conversion: running',
                  'random seed 0: seg fine-tuning: running',
                  'splitmask seed 0 tuning lr0.0001_ld0.9_it2: seg '
                  'fine-tuning: running',
                  'splitmask seed 0: det evaluation: running'):
        assert stage in out, stage
    work = tmp_path / 'work'
    results = json.loads((work / 'results.json').read_text())
    runs = results['results']
    assert set(runs) == {'random', 'splitmask', 'mae'}
    metrics = runs['splitmask']['0']['metrics']
    assert set(metrics) == {'seg/mIoU', 'seg/mAcc', 'seg_p10/mIoU',
                            'probe/mIoU', 'det/bbox_mAP', 'det/segm_mAP'}
    assert all(v is not None for v in metrics.values())
    # the recipe: chosen on the held-out scenes by SplitMask, one setting
    # at a time (lr, then iterations; no layer-decay values in this grid),
    # and used by the arm that names it; random init keeps the config's
    tuning = results['tuning']
    assert [(t['arm'], t['task']) for t in tuning] == [('splitmask', 'seg')]
    chosen = tuning[0]['chosen']
    tried = {(r['lr'], r['iters']): r['score'] for r in tuning[0]['tried']}
    assert {(1e-4, 2), (1e-3, 2), (chosen['lr'], 3)} <= set(tried)
    assert tried[chosen['lr'], chosen['iters']] == max(tried.values())
    assert runs['mae']['0']['recipes']['seg'] == chosen
    assert runs['random']['0']['recipes']['seg']['lr'] == 1e-3
    # held out: the tuning runs evaluate on training scenes, never on the
    # validation ones, and train on the rest
    key = f'lr{chosen["lr"]:g}_ld0.9_it{chosen["iters"]}'
    tuned = (work / 'splitmask' / 'seed0' / 'tune_seg' / key /
             'seg_config.py').read_text()
    assert "splits/select_val.txt" in tuned and \
        "splits/select_train_p100.txt" in tuned
    held_out = (work / 'data' / 'splits' / 'select_val.txt').read_text()
    trained = (work / 'data' / 'splits' / 'select_train_p100.txt'
               ).read_text()
    assert len(held_out.split()) == 3 and len(trained.split()) == 13
    assert not set(held_out.split()) & set(trained.split())
    assert all(n.startswith('training_') for n in held_out.split())
    # the label share and the frozen probe reach the configs
    final = work / 'splitmask' / 'seed0'
    assert "splits/train_p25.txt" in (final / 'seg_p10_config.py'
                                      ).read_text()
    assert "'frozen_stages': 4" in (final / 'probe_config.py').read_text()
    # one column per (task, share, probe): same metric names, other tasks
    table = (work / 'results.md').read_text()
    assert table.startswith(
        '| arm | seeds | seg: mIoU | seg: mAcc | seg_p10, 25% labels: mIoU'
        ' | probe, frozen: mIoU | det: bbox_mAP (%) |')
    assert '| SplitMask (paper defaults) | 1 |' in table
    assert 'held-out training scenes' in table
    # the derived configs say what ran: the pre-trained weights, strictly
    assert 'backbone.pth' in (final / 'seg_config.py').read_text()
    assert 'TruncNormal' in (work / 'random' / 'seed0' /
                             'seg_config.py').read_text()
    again = run_study(str(config))
    assert 'running' not in again.replace('data: done', '')
    assert 'pre-training: done' in again


@pytest.mark.slow
def test_quick_study_splitmask_features_do_not_beat_random_frozen(tmp_path):
    """The study's --quick version (10 minutes on 2 cores; 15 here, where
    the tests' subprocesses run single-threaded), from scratch (a work
    dir of earlier runs would be skipped as done): UperNet on the
    frozen backbone, two seeds an arm. The finding it asserts
    (docs/study.md; measured 2026-11-30: random init 57.42/61.71,
    SplitMask-200 57.67/57.96 mIoU): after 200 pre-training iterations on
    the scenes' images, SplitMask's features are no better than random
    ones, and both are far above the all-background floor (7.64). The day
    SplitMask's features win by more than the seed range, this fails and
    the docs' reading must change with it."""
    work = tmp_path / 'quick'
    run_study(STUDY, '--quick', '--work-dir', str(work), timeout=3600)
    results = json.loads(
        (work / 'results.json').read_text())['results']
    random = [r['metrics']['probe/mIoU'] for r in results['random'].values()]
    splitmask = [r['metrics']['probe/mIoU']
                 for r in results['splitmask'].values()]
    assert len(random) == len(splitmask) == 2
    assert min(random + splitmask) > 30, (random, splitmask)
    spread = max(max(random) - min(random), max(splitmask) - min(splitmask))
    gap = sum(splitmask) / 2 - sum(random) / 2
    assert gap <= spread, (
        f'frozen probe mIoU: SplitMask {splitmask} now beats random init '
        f'{random} beyond the seed range ({spread:.2f}): update the docs')


def test_scaled_schedule_keeps_the_shape_for_shorter_and_longer_runs():
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(train_cfg=dict(max_iters=800), param_scheduler=[
        dict(type='LinearLR', begin=0, end=50),
        dict(type='CosineAnnealingLR', begin=50, end=800),
        dict(type='MultiStepLR', begin=0, end=800, milestones=[600])]))
    for iters, warmup in ((250, 16), (1000, 62), (2, 1)):
        lin, cos, step = study.scaled_schedule(cfg, iters)
        assert (lin['begin'], lin['end']) == (0, warmup)
        # the end of the run is the end of the schedule, however long
        assert (cos['begin'], cos['end']) == (warmup, iters)
        assert step['end'] == iters
        assert step['milestones'] == [round(600 * iters / 800)]


def plotted_tasks():
    """The downstream tasks of the results.json the plot tests write."""
    seg = 'configs/study/upernet_vit-tiny-p8_digits.py'
    return dict(seg=dict(config=seg, metrics=['mIoU']),
                seg_p10=dict(config=seg, metrics=['mIoU'], labels=0.1),
                probe=dict(config=seg, metrics=['mIoU'], frozen=True))


def run_plot_study(*args):
    return subprocess.run([sys.executable, osp.join(
        ROOT, 'tools', 'plot_study.py'), *map(str, args)], env=python_env(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=300)


def test_plot_study_draws_both_pictures(tmp_path):
    runs = {'0': dict(metrics={'seg/mIoU': 50.0, 'seg_p10/mIoU': 30.0,
                               'probe/mIoU': 20.0}),
            '1': dict(metrics={'seg/mIoU': 52.0, 'seg_p10/mIoU': 31.0,
                               'probe/mIoU': 21.0})}
    results = dict(
        downstream=plotted_tasks(),
        arms={'random': dict(name='random init', pretrain_iters=0),
              'splitmask': dict(name='SplitMask 250', pretrain_iters=250),
              'splitmask-4k': dict(name='SplitMask 4k', pretrain_iters=4000),
              'mae-4k': dict(name='MAE 4k', pretrain_iters=4000)},
        results={k: runs for k in ('random', 'splitmask', 'splitmask-4k',
                                   'mae-4k')},
        draws=True, gaps=[dict(arm='splitmask', baseline='random',
                               metric='seg_p10/mIoU',
                               per_seed={'0': 1.0, '1': -0.5}, mean=0.25,
                               min=-0.5, max=1.0, p=0.8)])
    path = tmp_path / 'results.json'
    path.write_text(json.dumps(results))
    proc = run_plot_study(path, '--out-dir', tmp_path / 'out')
    assert proc.returncode == 0, proc.stdout[-3000:]
    for name in ('study_vs_pretraining.png', 'study_vs_labels.png',
                 'study_gaps.png'):
        png = tmp_path / 'out' / name
        assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
        assert png.stat().st_size > 10000
    proc = run_plot_study(path, '--metric', 'bbox_mAP')
    assert proc.returncode != 0 and 'no task' in proc.stdout


def test_plot_study_puts_ap_in_percent():
    """The pictures' axes say percent: mmdet's AP (a fraction) is scaled,
    mmseg's mIoU (a percentage) is not, as in results.md."""
    plot = load_tool('plot_study')
    runs = {'0': dict(metrics={'det/bbox_mAP': 0.655, 'seg/mIoU': 61.2}),
            '1': dict(metrics={'seg/mIoU': 62.0})}
    assert plot.values(runs, 'det/bbox_mAP') == pytest.approx([65.5])
    assert plot.values(runs, 'seg/mIoU') == [61.2, 62.0]


def test_plot_study_draws_the_papers_tables(tmp_path):
    """A study with tables= (the Table-1 mirror) gets study_tables.png,
    a row of panels per table some cell of which ran, and not the pictures
    that assume one arm per method and length."""
    runs = {'0': dict(metrics={'seg_p10/mIoU': 60.0, 'probe/mIoU': 70.0})}
    cells = {f'{m}-250-{c}': dict(table='250 pre-training iterations',
                                  row=name, column=c)
             for m, name in (('splitmask', 'SplitMask'), ('mae', 'MAE'))
             for c in ('p10', 'target')}
    # a 4k table none of whose cells has run yet: no row of panels
    cells['splitmask-4k-p10'] = dict(table='4k pre-training iterations',
                                     row='SplitMask', column='p10')
    results = dict(
        downstream=plotted_tasks(),
        arms={k: dict(name=k, pretrain_iters=250) for k in cells},
        results={k: runs for k in list(cells)[:-1] + ['random']},
        tables=dict(columns=['p10', 'target'], reference='random',
                    metrics=['seg_p10/mIoU', 'probe/mIoU']),
        cells=cells)
    path = tmp_path / 'results.json'
    path.write_text(json.dumps(results))
    proc = run_plot_study(path, '--out-dir', tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'Warning' not in proc.stdout  # no empty panel for 'seg'
    png = tmp_path / 'study_tables.png'
    head = png.read_bytes()
    assert head[:8] == b'\x89PNG\r\n\x1a\n'
    assert png.stat().st_size > 10000
    # one row of panels (3.4 inches at 110 dpi), not two
    assert int.from_bytes(head[20:24], 'big') == round(3.4 * 110)
    assert not (tmp_path / 'study_vs_pretraining.png').exists()


def test_collect_keeps_an_arm_that_misses_a_task_added_later(tmp_path):
    """A task added to the study after an arm ran (the digit study's
    seg_p5) must not drop the arm's other figures from the results."""
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(downstream=dict(
        seg=dict(metrics=['mIoU']), seg_p5=dict(metrics=['mIoU']))))
    run = tmp_path / 'splitmask-1k' / 'seed0'
    arm = dict(key='splitmask-1k', seeds=[0])
    assert study.collect(arm, 0, cfg, str(tmp_path)) is None
    run.mkdir(parents=True)
    (run / 'seg_metrics.json').write_text(json.dumps({'mIoU': 91.85}))
    found = study.collect(arm, 0, cfg, str(tmp_path))
    assert found['metrics'] == {'seg/mIoU': 91.85}
    text = study.table(cfg, [dict(arm, name='SplitMask 1k')],
                       {'splitmask-1k': {'0': found}})
    assert '| SplitMask 1k | 1 | 91.85 | n/a |' in text, text
    # a second seed mid-run (seg done, seg_p5 not yet): the seg_p5 cell
    # says it rests on one seed, not on the two the seeds column counts
    run1 = tmp_path / 'splitmask-1k' / 'seed1'
    run1.mkdir(parents=True)
    (run1 / 'seg_metrics.json').write_text(json.dumps({'mIoU': 91.65}))
    (run / 'seg_p5_metrics.json').write_text(json.dumps({'mIoU': 53.25}))
    arm = dict(key='splitmask-1k', seeds=[0, 1], name='SplitMask 1k')
    runs = {s: study.collect(arm, int(s), cfg, str(tmp_path))
            for s in ('0', '1')}
    text = study.table(cfg, [arm], {'splitmask-1k': runs})
    assert '| SplitMask 1k | 2 | 91.75 (91.65-91.85) | 53.25, n=1 |' \
        in text, text


def test_minutes_column_counts_a_seed_of_every_task():
    """A seed run for one task only (--tasks) does not make the arm look
    cheaper: fine-tune minutes are per task over the seeds that ran it,
    summed."""
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(downstream=dict(
        seg=dict(metrics=['mIoU']), seg_p10=dict(metrics=['mIoU']))))
    arm = dict(key='random', seeds=[0, 1], name='random init')
    runs = {
        '0': dict(metrics={'seg/mIoU': 92.0, 'seg_p10/mIoU': 61.0},
                  minutes={'random seed 0: seg fine-tuning': 11.0,
                           'random seed 0: seg evaluation': 0.2,
                           'random seed 0: seg_p10 fine-tuning': 3.6,
                           'random seed 0: seg_p10 evaluation': 0.2}),
        '1': dict(metrics={'seg_p10/mIoU': 62.0},
                  minutes={'random seed 1: seg_p10 fine-tuning': 4.2,
                           'random seed 1: seg_p10 evaluation': 0.2})}
    text = study.table(cfg, [arm], {'random': runs})
    # seg 11.2 (one seed) + seg_p10 (3.8 + 4.4) / 2 = 15.3, not the
    # per-seed mean (15.0 + 4.4) / 2 = 9.7
    assert text.splitlines()[-1].endswith('| - | 15.3 |'), text


def test_tasks_option_trains_only_the_named_tasks(tmp_path):
    """--tasks: more seeds of one task without the others; the recipes
    an earlier run recorded for the other tasks are kept."""
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(downstream=dict(
        seg=dict(metrics=['mIoU']), seg_p10=dict(metrics=['mIoU']),
        probe=dict(metrics=['mIoU']))))
    arm = dict(key='splitmask', seeds=[0, 1])
    runner = study.Study(cfg, [arm], str(tmp_path), tasks=['seg_p10'])
    trained = []
    runner.pretrain = lambda arm, seed: 'backbone.pth'
    runner.recipe = lambda arm, task: dict(lr=0.01, task=task)
    runner.finetune = lambda name, run, task, *a: trained.append(task)
    run = tmp_path / 'splitmask' / 'seed0'
    run.mkdir(parents=True)
    (run / 'recipes.json').write_text(json.dumps(
        {'seg': dict(lr=0.003, task='seg')}))
    runner.run_arm(arm, 0)
    assert trained == ['seg_p10']
    recipes = json.loads((run / 'recipes.json').read_text())
    assert recipes == {'seg': dict(lr=0.003, task='seg'),
                       'seg_p10': dict(lr=0.01, task='seg_p10')}
    # without --tasks every task runs
    trained.clear()
    everything = study.Study(cfg, [arm], str(tmp_path))
    everything.pretrain, everything.recipe = runner.pretrain, runner.recipe
    everything.finetune = runner.finetune
    everything.run_arm(arm, 1)
    assert trained == ['seg', 'seg_p10', 'probe']


def test_restore_keeps_finished_runs_and_trains_only_what_is_missing(
        tmp_path):
    """--restore: a study continued in a new work dir keeps the runs of an
    earlier results.json in its tables without training them again (no
    pre-training either), trains what they lack, refuses a recipe that
    changed since, and refuses a file made on other data."""
    study = load_tool('study')
    from mmengine.config import Config
    data = dict(num_train=12, num_val=4, size=64, seed=0)
    cfg = Config(dict(data=data, draws=True, downstream=dict(
        seg_p10=dict(metrics=['mIoU', 'mAcc']), probe=dict(metrics=['mIoU']),
        det=dict(metrics=['bbox_mAP'], tune=True))))
    arm = dict(key='sm', seeds=[0, 1], tune=True)
    recipe = dict(lr=0.01, layer_decay=0.65, iters=1000)
    tuning = dict(arm='sm', task='det', seed=0, metric='bbox_mAP',
                  chosen=dict(lr=3e-4, iters=500), tried=[])
    saved = tmp_path / 'results.json'
    saved.write_text(json.dumps(dict(data=data, draws=True, tuning=[tuning],
                                     results={'sm': {'0': dict(
        metrics={'seg_p10/mIoU': 61.44, 'seg_p10/mAcc': 74.53,
                 'probe/mIoU': 75.56},
        minutes={'sm seed 0: pre-training': 2.3},
        recipes={'seg_p10': recipe, 'probe': recipe})},
        'gone': {'0': dict(metrics={'probe/mIoU': 1.0})}})))
    work = tmp_path / 'work'
    study.restore([str(saved)], cfg, [arm], str(work))
    assert not (work / 'gone').exists()  # not an arm of this config
    found = study.collect(arm, 0, cfg, str(work))
    assert found['metrics'] == {'seg_p10/mIoU': 61.44, 'seg_p10/mAcc': 74.53,
                                'probe/mIoU': 75.56}
    assert found['minutes'] == {'sm seed 0: pre-training': 2.3}
    trained = []
    runner = study.Study(cfg, [arm], str(work), tasks=['seg_p10', 'probe'])
    runner.pretrain = lambda arm, seed: trained.append(('pretrain', seed))
    runner.recipe = lambda arm, task: dict(recipe)
    runner.finetune = lambda name, run, task, b, seed, *a: trained.append(
        (task, seed))
    runner.run_arm(arm, 0)
    assert trained == []  # restored: neither pre-trained nor fine-tuned
    runner.run_arm(arm, 1)  # not in the file: trained as before
    assert trained == [('pretrain', 1), ('seg_p10', 1), ('probe', 1)]
    # the restored recipe choice is used, not tuned again
    tuner = study.Study(cfg, [arm], str(work))
    tuner.pretrain = runner.pretrain
    assert tuner.recipe(arm, 'det') == dict(lr=3e-4, iters=500)
    assert trained[-1] == ('probe', 1)
    # a restored task whose recipe the config has changed since
    runner.recipe = lambda arm, task: dict(recipe, iters=3000)
    with pytest.raises(SystemExit, match='sm seed 0, seg_p10: restored'):
        runner.run_arm(arm, 0)
    # restoring again keeps what the work dir holds
    (work / 'sm' / 'seed0' / 'probe_metrics.json').write_text(
        json.dumps({'mIoU': 80.0}))
    study.restore([str(saved)], cfg, [arm], str(work))
    assert study.collect(arm, 0, cfg, str(work))['metrics'][
        'probe/mIoU'] == 80.0
    other = Config(dict(cfg.to_dict(), data=dict(data, num_train=1000)))
    with pytest.raises(SystemExit, match='results.json: made on other'):
        study.restore([str(saved)], other, [arm], str(work))
    (tmp_path / 'bad.json').write_text('{"data": ')
    with pytest.raises(SystemExit, match='bad.json: not a study results'):
        study.restore([str(tmp_path / 'bad.json')], cfg, [arm], str(work))


def test_tasks_option_refuses_a_task_the_config_lacks(tmp_path):
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'study.py'), STUDY,
         '--work-dir', str(tmp_path / 'work'), '--tasks', 'seg_p10',
         'seg_p50'], cwd=ROOT, env=python_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode != 0
    assert '--tasks seg_p50: not a downstream task of' in proc.stdout
    assert 'seg_p10' in proc.stdout.splitlines()[-1]
    assert not (tmp_path / 'work').exists()  # refused before any work


def test_seeds_option_selects_seeds_of_each_arm():
    """--seeds: seed 0 of every task first, more seeds later; an arm
    without the seed is left out, a seed no arm has is refused."""
    study = load_tool('study')
    arms = [dict(key='random', seeds=[0, 1, 2]),
            dict(key='beit-250', seeds=[0, 1, 2]),
            dict(key='splitmask-1k', seeds=[0])]
    every = [(a['key'], s) for a, s in study.select_runs(arms)]
    assert every == [('random', 0), ('random', 1), ('random', 2),
                     ('beit-250', 0), ('beit-250', 1), ('beit-250', 2),
                     ('splitmask-1k', 0)]
    picked = [(a['key'], s) for a, s in study.select_runs(arms, [1, 2])]
    assert picked == [('random', 1), ('random', 2), ('beit-250', 1),
                      ('beit-250', 2)]
    with pytest.raises(SystemExit, match=r'--seeds 7: no arm run here has '
                       r'it \(their seeds: random \[0, 1, 2\]'):
        study.select_runs(arms, [0, 7])


def test_draws_give_every_seed_its_own_scenes_and_labelled_subset(tmp_path):
    """draws=True: seed N's data is drawn with data seed data.seed + N
    (other scenes, another labelled 10%), seed 0's is the study's own;
    without draws every seed shares it."""
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(data=dict(num_train=20, num_val=4, size=64, seed=0),
                      downstream=dict(seg_p10=dict(labels=0.1)),
                      draws=True))
    runner = study.Study(cfg, [], str(tmp_path))
    roots = [runner.data(seed) for seed in (0, 1, 0)]
    assert roots[0] == roots[2] == str(tmp_path / 'data') + '/'
    assert roots[1] == str(tmp_path / 'data_draw1') + '/'

    def record(root):
        return json.loads(open(osp.join(root, 'digit_scenes.json')).read())

    assert record(roots[0])['params']['seed'] == 0
    assert record(roots[1])['params']['seed'] == 1
    assert record(roots[0])['sources'] != record(roots[1])['sources']
    labelled = [open(osp.join(r, 'splits', 'train_p10.txt')).read().split()
                for r in roots[:2]]
    assert len(labelled[0]) == len(labelled[1]) == 2
    scene = labelled[0][0] + '.jpg'
    first, second = (open(osp.join(r, 'images', 'training', scene),
                          'rb').read() for r in roots[:2])
    assert first != second
    # the derived configs read the seed's own data
    config = study.finetune_config(
        str(tmp_path / 'c.py'), 'seg_p10', Config(dict(
            cfg, downstream=dict(seg_p10=dict(
                config='configs/study/upernet_vit-tiny-p8_digits.py',
                metrics=['mIoU'], iters=2, labels=0.1)))),
        roots[1], None, 1, dict(lr=1e-3, layer_decay=None, iters=2))
    assert 'data_draw1' in open(config).read()
    cfg.draws = False
    assert study.data_folder(cfg, 1) == 'data'


def test_detection_recipes_are_chosen_on_held_out_training_scenes(tmp_path):
    """A detection task's tuning run trains on the labelled share of the
    scenes not held out and is scored on the held-out training scenes,
    through their own annotation file: mmdet's CocoMetric scores every
    image of its ann_file, so a file with other images would score
    predictions never made (box AP 2.1 for a detector that fits its
    scenes)."""
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(
        data=dict(num_train=20, num_val=4, size=64, seed=0),
        select_share=0.2,
        downstream=dict(det_p10=dict(
            config='configs/study/maskrcnn_vit-tiny-p8_digits.py',
            metrics=['bbox_mAP'], iters=2, labels=0.1))))
    root = study.Study(cfg, [], str(tmp_path)).data(0)
    path = study.finetune_config(
        str(tmp_path / 'det.py'), 'det_p10', cfg, root, None, 0,
        dict(lr=1e-4, layer_decay=None, iters=2), select=True)
    derived = Config.fromfile(path)
    splits = osp.join(root, 'splits')
    held = osp.join(splits, 'select_val.json')
    assert derived.train_dataloader.dataset.ann_file == osp.join(
        splits, 'select_train_p10.json')
    for loader in (derived.val_dataloader, derived.test_dataloader):
        assert loader.dataset.ann_file == held
        assert loader.dataset.data_prefix.img == 'train2017/'
    assert derived.val_evaluator.ann_file == \
        derived.test_evaluator.ann_file == held

    def images(name):
        with open(osp.join(splits, name)) as f:
            return {i['file_name'] for i in json.load(f)['images']}

    scored, trained = images('select_val.json'), images(
        'select_train_p10.json')
    assert len(scored) == 4 and len(trained) == 2 and not scored & trained
    assert all(osp.isfile(osp.join(root, 'train2017', f))
               for f in scored | trained)


def test_fixed_recipes_and_a_task_grid(tmp_path):
    """An arm's ``recipes`` are used as they are (no tuning); a task's own
    ``grid`` replaces the study's for the settings it names."""
    study = load_tool('study')
    from mmengine.config import Config
    seg = 'configs/study/upernet_vit-tiny-p8_digits.py'
    cfg = Config(dict(
        data=dict(seed=0), grid=dict(lr=[1e-3, 1e-2], iters=[300, 1000]),
        downstream=dict(
            seg=dict(config=seg, metrics=['mIoU'], iters=300, tune=True),
            det=dict(config=seg, metrics=['mIoU'], iters=500, tune=True,
                     grid=dict(lr=[1e-4, 3e-4])))))
    fixed = dict(key='random', seeds=[0], tune=True,
                 recipes=dict(seg=dict(lr=3e-3, iters=1000)))
    runner = study.Study(cfg, [fixed], str(tmp_path))
    runner.pretrain = lambda arm, seed: None
    tried = []

    def finetune(name, folder, task, backbone, seed, recipe, select, timer):
        tried.append((task, recipe['lr'], recipe['iters']))
        return {'mIoU': recipe['lr'] * 1e4 + recipe['iters'] / 1e3}

    runner.finetune = finetune
    recipe = runner.recipe(fixed, 'seg')
    assert (recipe['lr'], recipe['iters']) == (3e-3, 1000) and not tried
    chosen = runner.recipe(fixed, 'det')
    assert [t[1:] for t in tried] == [(1e-4, 500), (3e-4, 500),
                                      (3e-4, 300), (3e-4, 1000)]
    assert (chosen['lr'], chosen['iters']) == (3e-4, 1000)


def test_an_arm_names_the_images_it_pre_trains_on(tmp_path):
    """pretrain_images (the paper's Table 1 axis): the target's training
    images by default, a share of them, more scenes of the same generator,
    a generic set of photo crops, or any folder; the derived pre-training
    config's dataset holds exactly those images."""
    study = load_tool('study')
    from mmengine.config import Config
    from mmpretrain.registry import DATASETS

    import splitmask_mm.datasets  # noqa: F401 (registers the dataset)
    cfg = Config(dict(data=dict(num_train=20, num_val=4, size=64, seed=0),
                      downstream=dict(seg=dict(labels=1.0)), draws=True,
                      pretrain_iters=2))
    runner = study.Study(cfg, [], str(tmp_path))
    target = runner.data(1)
    own = tmp_path / 'own'
    own.mkdir()
    from PIL import Image
    for i in range(3):
        (own / f'sub{i}').mkdir()
        Image.new('RGB', (80, 60), (i, 0, 0)).save(own / f'sub{i}' / 'a.png')

    def dataset(images):
        arm = dict(key='a', config='configs/study/'
                   'splitmask_vit-tiny-p8_digits.py')
        if images is not None:
            arm['pretrain_images'] = images
        path = study.pretrain_config(str(tmp_path / 'run'), arm, 1, cfg,
                                     target, None, str(tmp_path))
        built = DATASETS.build(Config.fromfile(path).train_dataloader[
            'dataset'])
        return [built.get_data_info(i)['img_path']
                for i in range(len(built))]

    every = dataset(None)
    assert len(every) == 20 and all('data_draw1/images/training' in p
                                    for p in every)
    share = dataset(dict(share=0.25))
    assert len(share) == 5 and set(share) < set(every)
    more = dataset(dict(digit_scenes=30))
    assert len(more) == 30
    assert 'pretrain_images/digit_scenes30_seed1' in more[0]
    # the target's training scenes are the first of the larger set
    first = sorted(every)[0]
    assert open(first, 'rb').read() == open(
        sorted(more)[0], 'rb').read()
    photos = dataset(dict(photo_crops=12))
    assert len(photos) == 12 and 'photo_crops12_seed1' in photos[0]
    with Image.open(photos[0]) as img:
        assert img.size == (64, 64)
    assert len(dataset(str(own))) == 3
    for bad in (dict(share=0), dict(imagenet=1), str(tmp_path / 'none')):
        with pytest.raises(SystemExit, match='pretrain_images'):
            dataset(bad)


def test_table1_config_names_every_cell_once_with_one_protocol():
    """configs/study/table1_digit_scenes.py: 3 methods x 4 image sets x 2
    lengths, each cell one arm of its own (no key shared with the main
    study's arms, whose recipes differ), every cell fine-tuned with the
    same fixed recipe, random init with the recipe it chose."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'study',
                                   'table1_digit_scenes.py'))
    main = Config.fromfile(osp.join(ROOT, 'configs', 'study',
                                    'digit_scenes.py'))
    arms = {a['key']: a for a in cfg.arms}
    assert len(arms) == len(cfg.arms) == 25  # 24 cells + random init
    cells = [a for a in cfg.arms if a.get('cell')]
    assert len({(a['cell']['table'], a['cell']['row'], a['cell']['column'])
                for a in cells}) == 24
    assert {a['cell']['column'] for a in cells} == set(cfg.tables.columns)
    assert {str(a.get('pretrain_images')) for a in cells} == {
        'None', "{'share': 0.1}", "{'digit_scenes': 10000}",
        "{'photo_crops': 10000}"}
    assert {a['pretrain_iters'] for a in cells} == {250, 4000}
    assert not set(arms) & {a['key'] for a in main.arms} - {'random'}
    assert arms['random'] == [a for a in main.arms
                              if a['key'] == 'random'][0]
    for arm in cells:
        assert osp.isfile(osp.join(ROOT, arm['config']))
        assert arm['recipes'] == cells[0]['recipes'] == dict(
            seg_p10=dict(lr=1e-2, layer_decay=0.65, iters=1000),
            det_p10=dict(lr=3e-4))
    # detection's fixed rate is one of those the main study tunes over
    assert cells[0]['recipes']['det_p10']['lr'] in main.det_grid['lr']
    # a target cell that shares a main arm's pre-training is that arm's
    # method, length and images
    shared = {a['key']: a['pretrain_from'] for a in cells
              if a.get('pretrain_from')}
    assert shared == {'splitmask-4k-target': 'splitmask-4k',
                      'mae-4k-target': 'mae-4k'}
    for key, source in shared.items():
        source = [a for a in main.arms if a['key'] == source][0]
        for name in ('config', 'pretrain_iters', 'pretrain_images',
                     'options', 'amp', 'vocabulary'):
            assert arms[key].get(name) == source.get(name), name


def test_an_arm_shares_the_pre_training_it_names(tmp_path, monkeypatch):
    """pretrain_from: the arm's pre-training is run once, in the named
    arm's folder, and reused by both; an arm whose pre-training differs
    (here its length) is refused with the setting that changed; the
    shared run's minutes are counted in both arms' results."""
    study = load_tool('study')
    from mmengine.config import Config
    trained = []

    def train(config, work_dir, options, log_file=None, prefix=''):
        trained.append(work_dir)
        os.makedirs(work_dir, exist_ok=True)
        with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(work_dir, 'iter_4.pth'))
        open(osp.join(work_dir, 'DONE'), 'w').close()

    def convert(checkpoint, out, log_file=None, prefix=''):
        open(out, 'w').close()

    monkeypatch.setattr(study.chain, 'train', train)
    monkeypatch.setattr(study.chain, 'convert', convert)
    cfg = Config(dict(data=dict(num_train=12, num_val=4, size=64, seed=0),
                      downstream=dict(seg=dict(metrics=['mIoU'])),
                      draws=True, pretrain_iters=4))
    config = 'configs/study/splitmask_vit-tiny-p8_digits.py'
    main = dict(key='sm', config=config)
    cell = dict(key='sm-target', config=config, pretrain_from='sm')
    runner = study.Study(cfg, [main, cell], str(tmp_path))
    backbone = runner.pretrain(cell, 0)
    assert backbone == str(tmp_path / 'sm' / 'seed0' / 'backbone.pth')
    assert runner.pretrain(main, 0) == backbone
    assert trained == [str(tmp_path / 'sm' / 'seed0' / 'pretrain')]
    assert not (tmp_path / 'sm-target' / 'seed0' / 'pretrain').exists()
    longer = dict(cell, pretrain_iters=8)
    with pytest.raises(SystemExit, match='another recipe.*max_iters'):
        runner.pretrain(longer, 0)
    with open(tmp_path / 'sm-target' / 'seed0' / 'seg_metrics.json',
              'w') as f:
        json.dump({'mIoU': 50.0}, f)
    minutes = study.collect(cell, 0, cfg, str(tmp_path))['minutes']
    assert set(minutes) == {'sm-target seed 0: pre-training',
                            'sm-target seed 0: conversion'}


def test_cell_tables_lay_out_arms_as_the_papers_table():
    """results.md's tables: rows methods, columns pre-training images, a
    cell's mean over the seeds every cell ran (range and count; a cell
    run on more seeds, all of them in brackets), '-' for a cell the
    config lacks, n/a for one not run yet, the reference on the same
    seeds; AP in percent."""
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(
        downstream=dict(seg_p10=dict(metrics=['mIoU'], labels=0.1),
                        det=dict(metrics=['bbox_mAP'])),
        tables=dict(columns=['p10', 'target'],
                    metrics=['seg_p10/mIoU', 'det/bbox_mAP'],
                    reference='random')))

    def cell(row, column):
        return dict(key=f'{row}-{column}',
                    cell=dict(table='250 iterations', row=row,
                              column=column))
    arms = [dict(key='random'), cell('A', 'p10'), cell('A', 'target'),
            cell('B', 'target')]
    arms += [dict(key=f'A-{t}', cell=dict(table=t, row='A', column='p10'))
             for t in ('4k', '8k')]
    results = {
        'random': {s: dict(metrics={'seg_p10/mIoU': v, 'det/bbox_mAP': d})
                   for s, v, d in (('0', 60.0, 0.5), ('1', 70.0, 0.6))},
        'A-p10': {s: dict(metrics={'seg_p10/mIoU': v, 'det/bbox_mAP': 0.4})
                  for s, v in (('0', 61.0), ('1', 63.0))},
        'A-target': {'0': dict(metrics={'seg_p10/mIoU': 62.5})},
        'A-4k': {'0': dict(metrics={'seg_p10/mIoU': 64.0})}}
    results['random']['1']['metrics'].pop('det/bbox_mAP')
    text = study.cell_tables(cfg, arms, results)
    # 4k: its one cell ran segmentation only, so no detection table
    text, seg_4k = text.split('\n\n4k, seg_p10')
    assert 'det' not in seg_4k and '8k' not in seg_4k
    seg, det = text.split('\n\n250 iterations, det')
    assert seg.startswith('250 iterations, seg_p10, 10% labels: mIoU:')
    assert '| method | p10 | target |' in seg
    # A-target ran seed 0 only: the cells compare on seed 0
    assert '| A | 61.00 [n=2: 62.00 (61.00-63.00)] | 62.50 |' in seg, seg
    assert '| B | - | n/a |' in seg
    assert 'random (seeds 0, 1): 60.00 [n=2: 65.00 (60.00-70.00)]' in seg
    assert 'Cells on the seeds (draws) every cell ran: 0;' in seg
    assert '| A | 40.00 (40.00-40.00), n=2 | n/a |' in det
    assert 'random (seeds 0): 50.00' in det  # seed 1 lacks the metric
    assert 'every cell ran' not in det  # its one cell ran seeds 0 and 1
    assert '| A | 64.00 | - |' in seg_4k, seg_4k
    assert '4k' not in text  # 8k: no cell of that table has run
    # no tables in the config: nothing
    assert study.cell_tables(Config(dict(downstream=cfg.downstream)), arms,
                             results) == ''


def test_study_runs_on_a_data_set_of_ones_own_given_by_path(tmp_path):
    """configs/study/own_data.py on a few written ADE20K-layout images (no
    digit scenes): SplitMask pre-trains on the set's training images, both
    arms fine-tune on a share of its labels and are scored on its
    validation images; nothing is written into the data set."""
    from helpers import make_ade20k
    root = make_ade20k(str(tmp_path), count=10, val_count=4)
    before = sorted(p for p in os.listdir(root))
    seg = tmp_path / 'seg.py'
    seg.write_text(f'''
_base_ = [{osp.join(ROOT, 'configs', 'study',
                    'upernet_vit-tiny-p8_own_data.py')!r}]
classes = ('dark', 'mid', 'light', 'bright')
num_classes = 4
model = dict(decode_head=dict(num_classes=4),
             auxiliary_head=dict(num_classes=4))
_own = dict(metainfo=dict(classes=classes))
train_dataloader = dict(dataset=_own)
val_dataloader = dict(dataset=_own)
test_dataloader = val_dataloader
''')
    config = tmp_path / 'mine.py'
    config.write_text(f'''
_base_ = [{osp.join(ROOT, 'configs', 'study', 'own_data.py')!r}]
work_dir = {str(tmp_path / 'work')!r}
data = dict(root={root!r})
pretrain_iters = 2
downstream = dict(
    _delete_=True,
    seg_p50=dict(config={str(seg)!r}, metrics=['mIoU'], iters=2,
                 labels=0.5))
arms = [
    dict(key='random', name='random init', seeds=[0]),
    dict(key='splitmask', name='SplitMask',
         config='configs/study/splitmask_vit-tiny-p8_digits.py',
         seeds=[0]),
]
''')
    run_study(str(config))
    work = tmp_path / 'work'
    runs = json.loads((work / 'results.json').read_text())['results']
    for arm in ('random', 'splitmask'):
        assert runs[arm]['0']['metrics']['seg_p50/mIoU'] is not None
    labelled = (work / 'splits' / 'train_p50.txt').read_text().split()
    assert len(labelled) == 6  # half of the 11 .jpg training images
    derived = (work / 'splitmask' / 'seed0' / 'seg_p50_config.py'
               ).read_text()
    assert root in derived and str(work / 'splits' / 'train_p50.txt') \
        in derived
    pre = (work / 'splitmask' / 'seed0' / 'pretrain_config.py').read_text()
    assert root in pre and 'images/training' in pre
    log = (work / 'splitmask' / 'seed0' / 'seg_p50_test.log').read_text()
    assert 'bright' in log  # scored per class of the set's own
    assert sorted(os.listdir(root)) == before  # the data set untouched


def test_gaps_pair_each_arm_with_random_init_seed_by_seed():
    """The gap table: per seed (a draw, with draws=True), its mean, range
    and a paired t-test; AP in percent; seeds one arm lacks left out."""
    study = load_tool('study')
    from mmengine.config import Config
    cfg = Config(dict(draws=True, downstream=dict(
        seg_p10=dict(metrics=['mIoU', 'mAcc']),
        det=dict(metrics=['bbox_mAP']))))
    arms = [dict(key='random'), dict(key='splitmask')]
    results = {
        'random': {s: dict(metrics={'seg_p10/mIoU': v, 'det/bbox_mAP': d})
                   for s, v, d in (('0', 62.0, 0.70), ('1', 65.0, 0.72),
                                   ('2', 61.0, 0.71), ('3', 60.0, 0.7))},
        'splitmask': {s: dict(metrics={'seg_p10/mIoU': v,
                                       'det/bbox_mAP': d})
                      for s, v, d in (('0', 63.0, 0.71), ('1', 65.5, 0.70),
                                      ('2', 63.0, 0.74))}}
    found = study.gaps(cfg, arms, results)
    seg, det = found
    assert seg['per_seed'] == {'0': 1.0, '1': 0.5, '2': 2.0}
    assert (seg['mean'], seg['min'], seg['max']) == (1.17, 0.5, 2.0)
    assert 0.05 < seg['p'] < 0.2  # t = 1.17 / (0.76 / sqrt 3), 2 dof
    assert det['per_seed'] == {'0': 1.0, '1': -2.0, '2': 3.0}
    text = study.gap_table(found, True)
    assert '| splitmask | random | seg_p10/mIoU | 0: +1.00, 1: +0.50, ' \
        '2: +2.00 | +1.17 (+0.50 to +2.00) |' in text

# Copyright (c) splitmask_mm authors. All rights reserved.
"""One study fine-tuning with a given backbone and recipe, through the
study's own stage code (tools/study.py: derived config, training,
evaluation); the metrics. Used to re-measure study cells after the
fine-tuning loader was fixed (docs/results/refit_loaded_whole_2026-12-06.json):

    python docs/results/refit_loaded_whole.py TASK BACKBONE|none SEED LR \
        LAYER_DECAY ITERS WORK_DIR

e.g. ``seg_p10 work_dirs/detdiag/sm4k/backbone.pth 0 0.01 0.65 3000
work_dirs/refit/sm4k_seg_p10`` (the backbone: docs/results/detection/
README.md, "Weights the rows need").
"""
import importlib.util
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main():
    from mmengine.config import Config
    spec = importlib.util.spec_from_file_location(
        'study', osp.join(ROOT, 'tools', 'study.py'))
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    task, backbone, seed, lr, decay, iters, folder = sys.argv[1:8]
    cfg = Config.fromfile(osp.join(ROOT, 'configs/study/digit_scenes.py'))
    runner = study.Study(cfg, cfg.arms, folder, osp.join(
        cfg.work_dir, 'data') + '/', None)
    recipe = dict(lr=float(lr), layer_decay=float(decay), iters=int(iters))
    metrics = runner.finetune(
        folder, folder, task, None if backbone == 'none' else backbone,
        int(seed), recipe, False,
        study.Timer(osp.join(folder, 'minutes.json')))
    print(json.dumps(dict(task=task, backbone=backbone, seed=int(seed),
                          recipe=recipe, metrics=metrics)))


if __name__ == '__main__':
    main()

# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pre-train -> convert -> fine-tune -> evaluate, in one command.

    python tools/chain.py CHAIN_CONFIG [--gpus N]      (tools/dist_chain.sh)

A chain config names the stages (see configs/chains/). Each stage runs
only if its output is missing, so an interrupted chain started again picks
up where it stopped: a training stage that had written checkpoints resumes
from the last one (``--resume``). Stages:

1. ``vocabulary``: the pre-training config's patch vocabulary, if it uses
   one and it is missing (the default random-projection targets need none);
2. ``pretrain``: tools/dist_train.sh (or train.py for --gpus 0/1);
3. ``convert``: the last pre-training checkpoint -> backbone weights;
4. ``finetune``: the fine-tuning config, its backbone initialised from them;
5. ``evaluate``: tools/test.py on the last fine-tuning checkpoint; the
   chain ends by printing the metric.
"""
import argparse
import os
import os.path as osp
import sys

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from splitmask_mm import chain  # noqa: E402
from splitmask_mm.stack import require_stack_for  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('chain', help='chain config (configs/chains/*.py)')
    parser.add_argument('--gpus', type=int, default=1,
                        help='processes per training stage')
    args = parser.parse_args()
    cfg = Config.fromfile(args.chain)
    pre, ft = cfg.pretrain, cfg.finetune
    require_stack_for(ft.config)
    work = cfg.work_dir
    os.makedirs(work, exist_ok=True)
    pre_dir = osp.join(work, 'pretrain')
    ft_dir = osp.join(work, 'finetune')
    backbone = osp.join(work, 'backbone.pth')
    metrics_file = osp.join(work, 'metrics.json')
    pre_options = dict(pre.get('cfg_options', {}))
    pre_cfg = Config.fromfile(pre.config)
    pre_cfg.merge_from_dict(pre_options)

    target = pre_cfg.model.get('target_generator', {})
    if target.get('type') == 'PatchVocabularyTokenizer':
        vocab = target['vocabulary']
        vocab_args = list(cfg.get('vocabulary_args', []))
        chain.stage('vocabulary', vocab, lambda: chain.build_vocabulary(
            pre.config, vocab, pre_options, vocab_args),
            recipe=chain.config_recipe(pre_cfg, args=vocab_args))

    # each stage records its recipe: a chain config changed under an old
    # work dir stops with what changed instead of reusing stale stages
    chain.stage('pretrain', osp.join(pre_dir, 'DONE'), lambda: chain.train(
        pre.config, pre_dir, pre_options, args.gpus),
        recipe=chain.config_recipe(pre_cfg, gpus=args.gpus))
    img_size = cfg.get('convert', {}).get('img_size')
    chain.stage('convert', backbone, lambda: chain.convert(
        chain.last_checkpoint(pre_dir), backbone, img_size),
        recipe=dict(checkpoint=osp.basename(chain.last_checkpoint(pre_dir)),
                    img_size=img_size))

    ft_options = dict(ft.get('cfg_options', {}))
    ft_options['model.backbone.init_cfg.checkpoint'] = backbone
    chain.stage('finetune', osp.join(ft_dir, 'DONE'), lambda: chain.train(
        ft.config, ft_dir, ft_options, args.gpus),
        recipe=chain.config_recipe(ft.config, ft_options, gpus=args.gpus))

    test_options = {k: v for k, v in ft_options.items()
                    if not k.startswith('model.backbone.init_cfg')}
    chain.stage('evaluate', metrics_file, lambda: chain.evaluate(
        ft.config, chain.last_checkpoint(ft_dir), osp.join(work, 'test'),
        metrics_file, test_options),
        recipe=chain.config_recipe(
            ft.config, test_options,
            checkpoint=osp.basename(chain.last_checkpoint(ft_dir))))

    metrics = chain.read_metrics(metrics_file)
    chain.log(f'final {cfg.metric}: {chain.metric(metrics, cfg.metric)} '
              f'(all metrics: {metrics_file})')


if __name__ == '__main__':
    main()

# Copyright (c) splitmask_mm authors. All rights reserved.
"""Build a patch vocabulary (token targets from the data) from images.

The paper's default targets, random projection, need no vocabulary; this
tool builds the other two of its tokenizers, k-means centroids and random
patches of the data (``model.target_generator=dict(type=
'PatchVocabularyTokenizer', vocabulary=FILE)``), and prints how the
built vocabulary spreads the sampled patches over its entries (entries
used, entropy, most frequent token) beside random projection's spread of
the same patches.

    python tools/build_vocabulary.py CONFIG [--out FILE] [options]
    python tools/build_vocabulary.py IMAGE_DIR --out FILE [options]

With a config, patches come from its pre-training data through its own
pipeline (crop, flip) and data preprocessor (RGB, mean/std), exactly as the
model's targets see them, and the file goes to the config's
``model.target_generator.vocabulary`` unless ``--out`` says otherwise. With
a folder, every image under it (recursively) is cropped to ``--img-size``
and normalised with ImageNet's mean/std, as this package's configs do.
Run it once before training; every process of a distributed run then reads
the same file.
"""
import argparse
import copy
import functools
import os.path as osp
import sys
import time

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

import numpy as np
import torch
from mmengine.config import Config, DictAction

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

IMAGENET_MEAN = [123.675, 116.28, 103.53]
IMAGENET_STD = [58.395, 57.12, 57.375]


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build a patch vocabulary for SplitMask targets')
    parser.add_argument('source', help='pre-training config, or image folder')
    parser.add_argument('--out', help='vocabulary file to write (default: '
                        "the config's model.target_generator.vocabulary)")
    parser.add_argument('--size', type=int, default=8192,
                        help='number of vocabulary entries')
    parser.add_argument('--method', choices=['kmeans', 'random'],
                        default='kmeans')
    parser.add_argument('--num-patches', type=int, default=1_000_000,
                        help='patches sampled from the data')
    parser.add_argument('--patches-per-image', type=int, default=64,
                        help='patches taken from each random crop')
    parser.add_argument('--iters', type=int, default=20,
                        help='k-means iterations')
    parser.add_argument('--pca-dims', type=int, default=64,
                        help='k-means runs on a PCA projection of this size '
                        '(0: in full pixel space)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=2,
                        help='data-loading processes')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--patch-size', type=int, default=16,
                        help='image folder only (a config has its own)')
    parser.add_argument('--img-size', type=int, default=224,
                        help='image folder only: crop size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    return parser.parse_args()


def source_from_config(args):
    """Data set, pre-processor, patch size and default output of a config."""
    cfg = Config.fromfile(args.source)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    # Everything before packing is what the encoder (and so the targets)
    # sees; the split does not matter here.
    dataset.pipeline = [
        t for t in dataset.pipeline if t['type'] != 'SplitMaskGenerator'
    ]
    model = cfg.model
    out = args.out
    target = model.get('target_generator', {})
    if out is None and target.get('type') == 'PatchVocabularyTokenizer':
        out = target['vocabulary']
    if out is None:
        raise SystemExit(
            '--out is needed: the config has no PatchVocabularyTokenizer '
            f'target generator (its targets are {target.get("type")}, which '
            'needs no vocabulary)')
    return dataset, model.data_preprocessor, model.backbone.patch_size, out


def source_from_folder(args):
    if args.out is None:
        raise SystemExit('--out is needed when the source is a folder')
    dataset = dict(
        type='UnlabeledImageFolder',
        data_root=args.source,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='RandomResizedCrop', scale=args.img_size,
                 crop_ratio_range=(0.2, 1.0), backend='pillow',
                 interpolation='bicubic'),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackInputs'),
        ])
    preprocessor = dict(type='SelfSupDataPreprocessor', mean=IMAGENET_MEAN,
                        std=IMAGENET_STD, to_rgb=True)
    return dataset, preprocessor, args.patch_size, args.out


def sample_patches(dataset, preprocessor, patch_size, args) -> np.ndarray:
    """``args.num_patches`` patch vectors from random crops of the data."""
    from mmengine.dataset import default_collate, worker_init_fn
    from mmengine.utils import ProgressBar
    from splitmask_mm.models import patchify

    generator = torch.Generator().manual_seed(args.seed)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=args.batch_size,
        shuffle=True,
        num_workers=args.workers,
        collate_fn=default_collate,
        generator=generator,
        worker_init_fn=functools.partial(
            worker_init_fn, num_workers=args.workers, rank=0,
            seed=args.seed) if args.workers else None)
    chunks, collected = [], 0
    progress = ProgressBar(args.num_patches)
    while collected < args.num_patches:
        for data in loader:
            inputs = preprocessor(data, training=False)['inputs']
            if isinstance(inputs, (list, tuple)):
                inputs = inputs[0]
            patches = patchify(inputs.float(), patch_size)
            N, L, D = patches.shape
            k = min(L, args.patches_per_image)
            picks = torch.rand(N, L, generator=generator).argsort(1)[:, :k]
            patches = torch.gather(patches, 1, picks[..., None].expand(
                -1, -1, D)).reshape(-1, D)
            patches = patches[:args.num_patches - collected]
            chunks.append(patches.numpy().astype(np.float32))
            collected += len(patches)
            progress.update(len(patches))
            if collected >= args.num_patches:
                break
    sys.stdout.write('\n')
    return np.concatenate(chunks)


def _rounded(values: torch.Tensor) -> list:
    # The preprocessor keeps float32 buffers; store the config's decimals.
    return [round(float(v), 4) for v in values.flatten()]


def main():
    args = parse_args()
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS, MODELS
    from splitmask_mm.models import RandomProjectionTokenizer
    from splitmask_mm.vocabulary import save_vocabulary
    from splitmask_mm.vocabulary_builder import (codebook_usage, format_usage,
                                                 kmeans_vocabulary,
                                                 random_vocabulary)
    DefaultScope.get_instance('build_vocabulary', scope_name='mmpretrain')

    start = time.time()
    if osp.isfile(args.source):
        dataset, pre_cfg, patch_size, out = source_from_config(args)
    elif osp.isdir(args.source):
        dataset, pre_cfg, patch_size, out = source_from_folder(args)
    else:
        raise SystemExit(f'{args.source} is neither a config file nor an '
                         'image folder')
    dataset = DATASETS.build(dataset)
    preprocessor = MODELS.build(pre_cfg)
    print(f'[vocabulary] sampling {args.num_patches} patches of '
          f'{patch_size}x{patch_size} px from {len(dataset)} images',
          flush=True)
    patches = sample_patches(dataset, preprocessor, patch_size, args)
    sampled = time.time()

    print(f'[vocabulary] {args.method}: {args.size} entries from '
          f'{len(patches)} patches', flush=True)
    if args.method == 'kmeans':
        vocabulary = kmeans_vocabulary(
            patches, args.size, iters=args.iters, seed=args.seed,
            pca_dims=args.pca_dims or None)
    else:
        vocabulary = random_vocabulary(patches, args.size, seed=args.seed)

    normalized = getattr(preprocessor, '_enable_normalize', False)
    meta = dict(
        patch_size=int(patch_size),
        num_tokens=int(args.size),
        normalization=dict(
            mean=_rounded(preprocessor.mean) if normalized else None,
            std=_rounded(preprocessor.std) if normalized else None,
            to_rgb=bool(getattr(preprocessor, '_channel_conversion', False))),
        method=args.method,
        source=osp.abspath(args.source),
        data=getattr(dataset, 'img_prefix', ''),
        num_images=len(dataset),
        num_patches=int(len(patches)),
        seed=int(args.seed),
        kmeans_iters=int(args.iters) if args.method == 'kmeans' else 0,
        pca_dims=int(args.pca_dims) if args.method == 'kmeans' else 0,
        sample_seconds=round(sampled - start, 1),
        build_seconds=round(time.time() - sampled, 1),
        splitmask_mm_version=splitmask_mm.__version__,
        created=time.strftime('%Y-%m-%dT%H:%M:%S'))
    usage = codebook_usage(torch.from_numpy(patches),
                           torch.from_numpy(vocabulary))
    default = RandomProjectionTokenizer(args.size, int(patch_size))
    projection = codebook_usage(torch.from_numpy(patches), default.codebook,
                                default.patch_norm)
    meta['usage'] = usage
    print(f'[vocabulary] token usage of the {len(patches)} sampled patches: '
          f'{format_usage(usage)}')
    print('[vocabulary] (random projection, the default, on the same '
          f'patches: {format_usage(projection)})')
    save_vocabulary(out, torch.from_numpy(vocabulary), meta)
    print(f'[vocabulary] wrote {args.size} entries ({args.method}, '
          f'{len(patches)} patches of {len(dataset)} images, sampling '
          f'{meta["sample_seconds"]} s + building {meta["build_seconds"]} s) '
          f'to {out}')


if __name__ == '__main__':
    main()

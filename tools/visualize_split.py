# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pictures of what a SplitMask model does.

    python tools/visualize_split.py CONFIG CHECKPOINT IMAGE [IMAGE ...]
        --out DIR [--seed 0] [--cfg-options k=v ...]

For each image, one PNG: the image (resized and centre-cropped to the
model's input size), subset A, subset B (hidden patches greyed), and the
inpainting of each half from the other (the seen half as it is, the other
half predicted). With random-projection tokens (the default), whose
entries are not pictures, a hidden patch whose token the model predicts
right is drawn as it is and a wrong one in dark grey, and the label says
the share it got right; with a patch vocabulary, a predicted token is drawn
as its entry (unit-norm, in normalised pixels) scaled to the mean norm of
the seen patches; with pixel targets, the predicted normalised pixels take
the true patch's mean and spread, as MAE's pictures do. CPU is fine.
"""
import argparse
import os
import os.path as osp

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope

LABELS = ('image', 'subset A', 'subset B', 'B from A', 'A from B')
BAND = 20  # pixels of the label band


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', nargs='+')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def load_square(path: str, size: int) -> np.ndarray:
    """BGR uint8, shorter side resized to ``size``, centre crop."""
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f'cannot read image {path}')
    h, w = img.shape[:2]
    scale = size / min(h, w)
    img = cv2.resize(img, (max(size, round(w * scale)),
                           max(size, round(h * scale))),
                     interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    y, x = (h - size) // 2, (w - size) // 2
    return img[y:y + size, x:x + size]


def unpatchify(patches: torch.Tensor, grid: int, p: int) -> torch.Tensor:
    """``(L, p*p*3)`` (row, column, channel) -> ``(3, grid*p, grid*p)``."""
    x = patches.reshape(grid, grid, p, p, 3)
    return torch.einsum('hwpqc->chpwq', x).reshape(3, grid * p, grid * p)


@torch.no_grad()
def panels(model, img_bgr: np.ndarray, in_b: torch.Tensor) -> list:
    """The five pictures of one image (RGB uint8) and their labels."""
    from mmpretrain.structures import DataSample
    from splitmask_mm.models import PatchVocabularyTokenizer, patchify
    pre = model.data_preprocessor
    data = dict(
        inputs=torch.from_numpy(img_bgr).permute(2, 0, 1)[None].contiguous(),
        data_samples=[DataSample().set_mask(in_b)])
    batch = pre(data, training=False)
    img = batch['inputs']
    img = img[0] if isinstance(img, (list, tuple)) else img
    mask = in_b.flatten()[None]
    latent_a, latent_b, ids_a, ids_b = model.backbone(img, mask)
    decoded_a = model.neck(latent_a, ids_a)
    decoded_b = model.neck(latent_b, ids_b)
    p = model.backbone.patch_embed.projection.kernel_size[0]
    grid = model.backbone.patch_resolution[0]
    true = patchify(img.float(), p)[0]  # (L, D) normalised pixels
    head = model.head

    tokenizer = model.target_generator
    drawable = isinstance(tokenizer, PatchVocabularyTokenizer)
    scores = []

    def predict(decoded, seen, hidden):
        out = head.predictor(decoded[0, hidden])
        if head.target_type == 'tokens' and drawable:
            entries = tokenizer.codebook[out.argmax(-1)]
            return entries * true[seen].norm(dim=-1).mean()
        if head.target_type == 'tokens':
            right = out.argmax(-1) == tokenizer(img)[0, hidden]
            scores.append(float(right.float().mean()))
            dark = torch.full_like(true[hidden], -1.5)
            return torch.where(right[:, None], true[hidden], dark)
        t = true[hidden]  # per-patch normalised pixels back to the patch's
        return out * t.std(-1, keepdim=True) + t.mean(-1, keepdim=True)

    def compose(seen, hidden, fill):
        patches = true.clone()
        patches[hidden] = fill
        return unpatchify(patches, grid, p)

    grey = torch.zeros_like(true)  # normalised 0 = the mean colour
    a, b = ids_a[0], ids_b[0]
    images = [
        unpatchify(true, grid, p),
        compose(a, b, grey[b]),
        compose(b, a, grey[a]),
        compose(a, b, predict(decoded_a, a, b)),
        compose(b, a, predict(decoded_b, b, a)),
    ]
    mean = pre.mean.view(3, 1, 1)
    std = pre.std.view(3, 1, 1)
    out = []
    for x in images:  # back to RGB uint8 (the preprocessor made RGB)
        x = (x * std + mean).clamp(0, 255).byte().permute(1, 2, 0)
        out.append(x.numpy())
    labels = list(LABELS)
    for i, score in zip((3, 4), scores):  # share of hidden tokens right
        labels[i] += f' {score:.0%}'
    return out, labels


def main():
    args = parse_args()
    from mmpretrain.registry import MODELS, TRANSFORMS
    from splitmask_mm.weights import load_training_checkpoint
    DefaultScope.get_instance('visualize_split', scope_name='mmpretrain')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = MODELS.build(cfg.model)
    state = load_training_checkpoint(args.checkpoint)
    model.load_state_dict(state.get('state_dict', state), strict=True)
    model.eval()
    size = model.backbone.img_size[0]
    gen_cfg = [t for t in cfg.train_dataloader.dataset.pipeline
               if t['type'] == 'SplitMaskGenerator'][0]
    gen_cfg = {k: v for k, v in gen_cfg.items() if k != 'patch_size'}
    generator = TRANSFORMS.build(gen_cfg)
    np.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for path in args.images:
        img = load_square(path, size)
        in_b = torch.from_numpy(generator({})['mask'])
        pictures, labels = panels(model, img, in_b)
        sheet = np.full((size + BAND, 5 * size, 3), 255, np.uint8)
        for i, (pic, label) in enumerate(zip(pictures, labels)):
            sheet[BAND:, i * size:(i + 1) * size] = pic
            cv2.putText(sheet, label, (i * size + 3, BAND - 6),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                        cv2.LINE_AA)
        out = osp.join(args.out,
                       osp.splitext(osp.basename(path))[0] + '_split.png')
        cv2.imwrite(out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
        print(f'[visualize] {path} -> {out} ({sheet.shape[1]}x'
              f'{sheet.shape[0]})')
    print(f'[visualize] wrote {len(args.images)} picture(s) to {args.out}')


if __name__ == '__main__':
    main()

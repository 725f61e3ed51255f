# Copyright (c) splitmask_mm authors. All rights reserved.
"""SplitMask: split, inpaint, match.

El-Nouby et al., "Are Large-scale Datasets Necessary for Self-Supervised
Pre-training?", arXiv:2112.10740. No official code exists; this file is the
whole method, top to bottom:

1. **split**    the patch grid of each image into two complementary subsets
                A and B (:class:`SplitMaskGenerator` in the data pipeline
                writes ``mask``, True on B);
2. **targets**  for every patch: visual token ids (patch vocabulary, DALL-E)
                or normalised pixels (``target_generator``);
3. **encode**   A's visible patches and B's visible patches with one shared
                ViT, no mask tokens in the encoder (:class:`SplitMaskViT`);
4. **inpaint**  each half's hidden patches from the other half with a
                shallow decoder (:class:`SplitMaskDecoder`);
5. **losses**   cross-entropy (or regression) on the inpainted patches, and
                InfoNCE between the two halves' pooled decoder outputs
                (:class:`SplitMaskHead`).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule, ModuleList
from torch import nn

from mmpretrain.models import VisionTransformer
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.models.utils import build_2d_sincos_position_embedding
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from .utils import gather_with_grad


# --------------------------------------------------------------------------
# 1. split
# --------------------------------------------------------------------------
# Left out of torch.compile's graphs: the subset sizes are read off the mask
# (a host sync) to slice with; compiled, the graphs on either side then see
# fixed sizes (one graph break, where .item() would break it anyway).
@torch.compiler.disable
def split_indices(mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Patch indices of the two subsets, each in raster order.

    Args:
        mask (torch.Tensor): ``(N, L)`` bool, True on subset B (the patches
            hidden from branch A), False on subset A.

    Returns:
        Tuple[torch.Tensor, torch.Tensor]: ``ids_a`` ``(N, L_A)`` and
        ``ids_b`` ``(N, L_B)``.
    """
    mask = mask.flatten(1).bool()
    num_b = mask.sum(dim=1)
    if bool((num_b != num_b[0]).any()):
        raise ValueError(
            'SplitMask needs the same number of patches in subset B for every '
            f'image of a batch, got {num_b.tolist()}; use SplitMaskGenerator, '
            'which draws an exact count.')
    num_a = mask.shape[1] - int(num_b[0])
    # A stable sort of 0/1 keeps raster order inside each subset.
    ids = torch.argsort(mask.to(torch.int8), dim=1, stable=True)
    return ids[:, :num_a], ids[:, num_a:]


def gather_tokens(x: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``x[n, ids[n]]`` for each sample: ``(N, L, ...)`` -> ``(N, l, ...)``."""
    index = ids.reshape(*ids.shape, *([1] * (x.dim() - 2)))
    return torch.gather(x, 1, index.expand(-1, -1, *x.shape[2:]))


# --------------------------------------------------------------------------
# 3. encode
# --------------------------------------------------------------------------
@MODELS.register_module()
class SplitMaskViT(VisionTransformer):
    """ViT encoder that sees only one subset of the patches at a time.

    A subclass of mmpretrain's ``VisionTransformer`` that adds no parameter,
    so its state dict has exactly the upstream key layout and loads into
    mmpretrain/mmseg/mmdet ViTs (``backbone.*``) without renaming.

    Args:
        arch (str | dict): ViT architecture, as in ``VisionTransformer``.
            Defaults to ``'b'``.
        img_size (int): Input image size. Defaults to 224.
        patch_size (int): Patch size. Defaults to 16.
        drop_path_rate (float): Stochastic depth rate. Defaults to 0.
        layer_scale_init_value (float): Initial layer scale (BEiT uses 0.1);
            0 disables layer scale. Defaults to 0.
        fixed_pos_embed (bool): Initialise the position embedding with 2D
            sin-cos and keep it frozen during pre-training, as MAE does.
            Defaults to True.
        out_type (str): Output of the plain forward (``mask=None``).
            Defaults to ``'raw'``.
        norm_cfg (dict): Normalisation layer. Defaults to LN, eps 1e-6.
        init_cfg (dict | List[dict], optional): Initialisation config.
        **kwargs: Other ``VisionTransformer`` arguments.
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: int = 224,
                 patch_size: int = 16,
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 0.,
                 fixed_pos_embed: bool = True,
                 out_type: str = 'raw',
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 **kwargs) -> None:
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            drop_path_rate=drop_path_rate,
            layer_scale_init_value=layer_scale_init_value,
            out_type=out_type,
            with_cls_token=True,
            norm_cfg=norm_cfg,
            init_cfg=init_cfg,
            **kwargs)
        self.fixed_pos_embed = fixed_pos_embed
        if fixed_pos_embed:
            self.pos_embed.requires_grad = False
        self.num_patches = self.patch_resolution[0] * self.patch_resolution[1]

    def init_weights(self) -> None:
        """Sin-cos position embedding and MAE's patch-embedding init."""
        super().init_weights()
        if isinstance(self.init_cfg, dict) and \
                self.init_cfg.get('type') == 'Pretrained':
            return
        if self.fixed_pos_embed:
            pos_embed = build_2d_sincos_position_embedding(
                self.patch_resolution, self.embed_dims, cls_token=True)
            self.pos_embed.data.copy_(pos_embed.float())
        w = self.patch_embed.projection.weight.data
        nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        nn.init.normal_(self.cls_token, std=.02)

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """Transformer over a sequence of visible patch tokens.

        Args:
            tokens (torch.Tensor): ``(N, l, C)`` patch embeddings with their
                position embedding already added.

        Returns:
            torch.Tensor: ``(N, 1 + l, C)``, class token first.
        """
        cls_token = self.cls_token + self.pos_embed[:, :1]
        x = torch.cat([cls_token.expand(tokens.shape[0], -1, -1), tokens], 1)
        x = self.pre_norm(self.drop_after_pos(x))
        for layer in self.layers:
            x = layer(x)
        return self.ln1(x) if self.final_norm else x

    def forward(
        self,
        x: torch.Tensor,
        mask: Optional[torch.Tensor] = None
    ) -> Union[Tuple[torch.Tensor, ...],
               Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Encode both subsets of each image, or the whole image.

        Args:
            x (torch.Tensor): Images ``(N, 3, H, W)``.
            mask (torch.Tensor, optional): ``(N, h, w)`` or ``(N, L)`` bool,
                True on subset B. None runs the plain ViT forward.

        Returns:
            With a mask: ``(latent_a, latent_b, ids_a, ids_b)``, the encoded
            tokens of each subset (class token first) and the patch indices
            they come from. Without: the plain ``VisionTransformer`` output.
        """
        if mask is None:
            return super().forward(x)

        tokens, hw = self.patch_embed(x)
        if tuple(hw) != tuple(self.patch_resolution) or \
                mask[0].numel() != tokens.shape[1]:
            raise ValueError(
                f'Image {tuple(x.shape[-2:])} gives a {tuple(hw)} patch grid '
                f'and the mask has {tuple(mask.shape[1:])} cells, but the '
                f'backbone was built for a {tuple(self.patch_resolution)} '
                'grid: set img_size of SplitMaskViT, the crop size and '
                'SplitMaskGenerator.input_size consistently.')
        tokens = tokens + self.pos_embed[:, 1:]

        ids_a, ids_b = split_indices(mask)
        visible_a = gather_tokens(tokens, ids_a)
        visible_b = gather_tokens(tokens, ids_b)
        if visible_a.shape[1] == visible_b.shape[1]:
            # Both halves as one batch of 2N sequences: one pass, and each
            # half costs ~1/4 of the full-sequence attention.
            latent = self.encode(torch.cat([visible_a, visible_b]))
            latent_a, latent_b = latent.chunk(2)
        else:
            # Unequal split (ratio != 0.5): sequences differ in length and
            # padding would waste the saving, so two passes.
            latent_a, latent_b = self.encode(visible_a), self.encode(visible_b)
        return latent_a, latent_b, ids_a, ids_b


# --------------------------------------------------------------------------
# 4. inpaint
# --------------------------------------------------------------------------
@MODELS.register_module()
class SplitMaskDecoder(BaseModule):
    """Shallow decoder that inpaints the patches one branch did not see.

    The encoded tokens of a branch are placed at their patch positions, a
    learned mask token fills every other position, position embeddings are
    added, and a few transformer blocks run over the full grid.

    Args:
        num_patches (int): Patches of the full grid. Defaults to 196.
        in_channels (int): Encoder width. Defaults to 768.
        embed_dims (int): Decoder width. Defaults to 512.
        depth (int): Transformer blocks. Defaults to 2.
        num_heads (int): Attention heads. Defaults to 16.
        mlp_ratio (float): FFN width ratio. Defaults to 4.
        norm_cfg (dict): Normalisation layer. Defaults to LN, eps 1e-6.
        init_cfg (dict | List[dict], optional): Initialisation config.
    """

    def __init__(self,
                 num_patches: int = 196,
                 in_channels: int = 768,
                 embed_dims: int = 512,
                 depth: int = 2,
                 num_heads: int = 16,
                 mlp_ratio: float = 4.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_patches = num_patches
        self.decoder_embed = nn.Linear(in_channels, embed_dims)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.decoder_pos_embed = nn.Parameter(
            torch.zeros(1, num_patches + 1, embed_dims), requires_grad=False)
        self.decoder_blocks = ModuleList([
            TransformerEncoderLayer(
                embed_dims,
                num_heads,
                int(mlp_ratio * embed_dims),
                qkv_bias=True,
                norm_cfg=norm_cfg) for _ in range(depth)
        ])
        self.ln1 = build_norm_layer(norm_cfg, embed_dims)[1]

    def init_weights(self) -> None:
        """Sin-cos position embedding, small mask token (as MAE)."""
        super().init_weights()
        side = int(self.num_patches**.5)
        if side * side != self.num_patches:
            raise ValueError(f'SplitMaskDecoder.num_patches={self.num_patches}'
                             ' is not a square grid.')
        pos_embed = build_2d_sincos_position_embedding(
            side, self.decoder_pos_embed.shape[-1], cls_token=True)
        self.decoder_pos_embed.data.copy_(pos_embed.float())
        nn.init.normal_(self.mask_token, std=.02)

    def forward(self, latent: torch.Tensor,
                ids_visible: torch.Tensor) -> torch.Tensor:
        """Decode one branch over the whole grid.

        Args:
            latent (torch.Tensor): ``(N, 1 + l, C_enc)`` encoded tokens of
                the branch, class token first.
            ids_visible (torch.Tensor): ``(N, l)`` their patch indices.

        Returns:
            torch.Tensor: ``(N, L, C)``, row ``i`` is patch ``i`` of the grid.
        """
        x = self.decoder_embed(latent)
        N, _, C = x.shape
        if ids_visible.shape[1] + 1 != x.shape[1]:
            raise ValueError('latent and ids_visible disagree on the number '
                             f'of visible patches: {x.shape[1] - 1} vs '
                             f'{ids_visible.shape[1]}')
        grid = self.mask_token.to(x.dtype).expand(N, self.num_patches, C)
        grid = grid.scatter(1, ids_visible[..., None].expand(-1, -1, C),
                            x[:, 1:])
        x = torch.cat([x[:, :1], grid], dim=1) + self.decoder_pos_embed
        for block in self.decoder_blocks:
            x = block(x)
        return self.ln1(x)[:, 1:]


# --------------------------------------------------------------------------
# 5. losses (the targets of step 2 come from the target generator)
# --------------------------------------------------------------------------
def info_nce(query: torch.Tensor,
             key: torch.Tensor,
             temperature: float,
             gather: bool = True) -> torch.Tensor:
    """InfoNCE of ``query[i]`` against ``key[i]``, every other key negative.

    With ``gather`` and several processes, the keys of all processes are
    the candidates (the global batch), and gradients flow back to the
    process that computed each key. The mean over processes of this loss
    equals the loss of one process holding the global batch.

    Args:
        query (torch.Tensor): ``(N, D)`` this process's queries.
        key (torch.Tensor): ``(N, D)`` this process's positives.
        temperature (float): Softmax temperature.
        gather (bool): Take negatives from all processes. Defaults to True.

    Returns:
        torch.Tensor: Scalar loss, mean over this process's queries.
    """
    query = F.normalize(query.float(), dim=-1)
    key = F.normalize(key.float(), dim=-1)
    keys, offset = key, 0
    if gather:
        keys, offset = gather_with_grad(key)
    logits = query @ keys.t() / temperature
    labels = torch.arange(query.shape[0], device=query.device) + offset
    return F.cross_entropy(logits, labels)


@MODELS.register_module()
class SplitMaskHead(BaseModule):
    """Inpainting loss and match loss of SplitMask.

    Args:
        in_channels (int): Decoder width. Defaults to 512.
        target_type (str): ``'tokens'`` (cross-entropy on token ids) or
            ``'pixels'`` (mean squared error on per-patch targets).
            Defaults to ``'tokens'``.
        num_classes (int): Vocabulary size for token targets, or the length
            of a patch's target vector for pixel targets (16*16*3 = 768).
            Defaults to 8192.
        match_weight (float): Weight of the InfoNCE term; 0 turns it off.
            Defaults to 1.0.
        temperature (float): InfoNCE temperature. Defaults to 0.2.
        symmetric (bool): Average A->B and B->A. Defaults to True.
        match_pool (str): Decoder outputs averaged into a branch's global
            descriptor: ``'all'`` patches or only the ``'predicted'`` ones.
            Defaults to ``'all'``.
        proj_type (str): Projection before InfoNCE: ``'linear'``, ``'mlp'``
            (Linear-GELU-Linear, as contrastive methods use) or
            ``'identity'``. Defaults to ``'linear'``.
        proj_dims (int): Output width of the projection. Defaults to 256.
        proj_hidden_dims (int): Hidden width of the ``'mlp'`` projection.
            Defaults to 2048.
        gather_negatives (bool): Negatives from the global batch across
            processes. Defaults to True.
        init_cfg (dict | List[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 512,
                 target_type: str = 'tokens',
                 num_classes: int = 8192,
                 match_weight: float = 1.0,
                 temperature: float = 0.2,
                 symmetric: bool = True,
                 match_pool: str = 'all',
                 proj_type: str = 'linear',
                 proj_dims: int = 256,
                 proj_hidden_dims: int = 2048,
                 gather_negatives: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(
                     type='TruncNormal', layer='Linear', std=0.02, bias=0)
                 ) -> None:
        super().__init__(init_cfg=init_cfg)
        if target_type not in ('tokens', 'pixels'):
            raise ValueError('SplitMaskHead.target_type must be "tokens" or '
                             f'"pixels", got {target_type!r}')
        if match_pool not in ('all', 'predicted'):
            raise ValueError('SplitMaskHead.match_pool must be "all" or '
                             f'"predicted", got {match_pool!r}')
        if temperature <= 0:
            raise ValueError('SplitMaskHead.temperature must be > 0, got '
                             f'{temperature}')
        if match_weight < 0:
            raise ValueError('SplitMaskHead.match_weight must be >= 0, got '
                             f'{match_weight}')
        self.target_type = target_type
        self.num_classes = num_classes
        self.match_weight = match_weight
        self.temperature = temperature
        self.symmetric = symmetric
        self.match_pool = match_pool
        self.gather_negatives = gather_negatives
        self.predictor = nn.Linear(in_channels, num_classes)
        if proj_type == 'linear':
            self.projector = nn.Linear(in_channels, proj_dims)
        elif proj_type == 'mlp':
            self.projector = nn.Sequential(
                nn.Linear(in_channels, proj_hidden_dims), nn.GELU(),
                nn.Linear(proj_hidden_dims, proj_dims))
        elif proj_type == 'identity':
            self.projector = nn.Identity()
        else:
            raise ValueError('SplitMaskHead.proj_type must be "linear", '
                             f'"mlp" or "identity", got {proj_type!r}')

    def inpainting_loss(self, decoded: torch.Tensor, target: torch.Tensor,
                        ids_hidden: torch.Tensor) -> torch.Tensor:
        """Loss of one branch on the patches it did not see."""
        pred = self.predictor(gather_tokens(decoded, ids_hidden)).float()
        target = gather_tokens(target, ids_hidden)
        if self.target_type == 'tokens':
            return F.cross_entropy(pred.flatten(0, 1), target.flatten().long())
        return F.mse_loss(pred, target.float())

    def pool(self, decoded: torch.Tensor,
             ids_hidden: torch.Tensor) -> torch.Tensor:
        """Global descriptor of a branch: mean of its decoder outputs."""
        if self.match_pool == 'predicted':
            decoded = gather_tokens(decoded, ids_hidden)
        return self.projector(decoded.mean(dim=1))

    def loss(self, decoded_a: torch.Tensor, decoded_b: torch.Tensor,
             target: torch.Tensor, ids_a: torch.Tensor,
             ids_b: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Both losses of SplitMask.

        Args:
            decoded_a (torch.Tensor): ``(N, L, C)`` decoder output of branch
                A (which saw subset A and inpaints subset B).
            decoded_b (torch.Tensor): ``(N, L, C)`` the same for branch B.
            target (torch.Tensor): ``(N, L)`` token ids or ``(N, L, D)``
                pixel targets of every patch.
            ids_a (torch.Tensor): ``(N, L_A)`` patch indices of subset A.
            ids_b (torch.Tensor): ``(N, L_B)`` patch indices of subset B.

        Returns:
            Dict[str, torch.Tensor]: ``loss_mim`` (mean of both branches'
            inpainting losses) and ``loss_match`` (weighted InfoNCE).
        """
        loss_mim = 0.5 * (self.inpainting_loss(decoded_a, target, ids_b) +
                          self.inpainting_loss(decoded_b, target, ids_a))

        x_a = self.pool(decoded_a, ids_b)
        x_b = self.pool(decoded_b, ids_a)
        loss_match = info_nce(x_a, x_b, self.temperature,
                              self.gather_negatives)
        if self.symmetric:
            loss_match = 0.5 * (loss_match + info_nce(
                x_b, x_a, self.temperature, self.gather_negatives))
        return dict(
            loss_mim=loss_mim, loss_match=self.match_weight * loss_match)


# --------------------------------------------------------------------------
# The algorithm
# --------------------------------------------------------------------------
@MODELS.register_module()
class SplitMask(BaseSelfSupervisor):
    """SplitMask pre-training.

    Args:
        backbone (dict): :class:`SplitMaskViT` config.
        neck (dict): :class:`SplitMaskDecoder` config.
        head (dict): :class:`SplitMaskHead` config.
        target_generator (dict): Gives each patch's target from the target
            view: ``(N, L)`` token ids, ``(N, K, h, w)`` codebook logits
            (mmpretrain's ``DALL-E``) or ``(N, L, D)`` pixel targets. Frozen.
        data_preprocessor (dict, optional): Defaults to
            ``SelfSupDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 target_generator: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            target_generator=target_generator,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        # Targets are fixed: no gradients, no optimizer state, no unused
        # parameters for DDP to search.
        self.target_generator.requires_grad_(False)
        # A convolutional tokenizer (DALL-E) runs in channels-last layout:
        # faster on CPU (oneDNN) and tensor-core friendly on GPU, with the
        # same tokens (tools/benchmark.py measures the speed).
        self.channels_last_targets = any(
            p.dim() == 4 for p in self.target_generator.parameters())
        if self.channels_last_targets:
            self.target_generator.to(memory_format=torch.channels_last)
        if hasattr(self.target_generator, 'check_compatible'):
            # A token codebook must fit the head and the pre-processing.
            if self.head.target_type != 'tokens':
                raise ValueError(
                    f'{type(self.target_generator).__name__} gives token ids:'
                    " set head.target_type='tokens'.")
            pre = self.data_preprocessor
            normalized = getattr(pre, '_enable_normalize', False)
            self.target_generator.check_compatible(
                num_classes=self.head.num_classes,
                mean=pre.mean.flatten().tolist() if normalized else None,
                std=pre.std.flatten().tolist() if normalized else None,
                to_rgb=getattr(pre, '_channel_conversion', False))

    def train(self, mode: bool = True) -> 'SplitMask':
        """Keep the target generator in eval mode."""
        super().train(mode)
        self.target_generator.eval()
        return self

    def extract_feat(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """Features of whole images (no split), for evaluation."""
        return self.backbone(inputs, mask=None)

    def loss(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]],
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """SplitMask losses of a batch.

        Args:
            inputs (torch.Tensor | Sequence[torch.Tensor]): The images, or
                ``[images, target_images]`` when the target generator sees a
                second view (DALL-E's 112px view).
            data_samples (List[DataSample]): Each with the ``mask`` written
                by :class:`SplitMaskGenerator`.

        Returns:
            Dict[str, torch.Tensor]: ``loss_mim`` and ``loss_match``.
        """
        if isinstance(inputs, torch.Tensor):
            img = target_img = inputs
        else:
            img, target_img = inputs[0], inputs[-1]

        # 1. split: True on subset B, the complement is subset A
        mask = torch.stack([sample.mask for sample in data_samples])
        mask = mask.to(img.device).flatten(1).bool()

        # 2. targets of every patch, before the encoder: the tokenizer's
        #    (DALL-E's) large temporary feature maps then do not pile up on
        #    the activations kept for backward (mmpretrain's BEiT computes
        #    them after; tools/benchmark.py shows the peak memory of both).
        #    Outside AMP's autocast, as in BEiT's original code (mmpretrain
        #    runs it inside): an arg-max over 8192 close scores must not be
        #    taken in fp16/bf16 (DALL-E still runs its hidden layers in fp16
        #    on a GPU by its own choice, and its output layer in fp32).
        with torch.no_grad(), torch.autocast(img.device.type, enabled=False):
            if self.channels_last_targets:
                target_img = target_img.contiguous(
                    memory_format=torch.channels_last)
            target = self.target_generator(target_img)
            if target.dim() == 4:  # codebook logits (DALL-E): token ids
                target = target.argmax(dim=1).flatten(1)
        if target.shape[1] != mask.shape[1]:
            raise ValueError(
                f'The target generator gives {target.shape[1]} targets per '
                f'image but the patch grid has {mask.shape[1]} patches: its '
                'input size and patch size must give the same grid.')

        # 3. encode each subset's visible patches with the shared encoder
        latent_a, latent_b, ids_a, ids_b = self.backbone(img, mask)

        # 4. inpaint: branch A predicts subset B, branch B predicts subset A
        #    (equal halves: both branches as one decoder batch of 2N)
        if ids_a.shape == ids_b.shape:
            decoded_a, decoded_b = self.neck(
                torch.cat([latent_a, latent_b]),
                torch.cat([ids_a, ids_b])).chunk(2)
        else:
            decoded_a = self.neck(latent_a, ids_a)
            decoded_b = self.neck(latent_b, ids_b)

        # 5. inpainting loss on the hidden patches + match loss
        return self.head.loss(decoded_a, decoded_b, target, ids_a, ids_b)

# Optimiser of SplitMask pre-training: BEiT's (AdamW, lr 1.5e-3 at total
# batch 2048, weight decay 0.05, gradient clipping 3.0). The iteration budget
# and warm-up depend on the data-set size and are set by each config.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-3, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=3.0),
    paramwise_cfg=dict(
        custom_keys={
            '.ln': dict(decay_mult=0.0),
            '.bias': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0),
            '.gamma': dict(decay_mult=0.0),
            'mask_token': dict(decay_mult=0.0),
        }))

# `tools/train.py --auto-scale-lr` scales the lr to the actual total batch.
auto_scale_lr = dict(base_batch_size=2048, enable=False)

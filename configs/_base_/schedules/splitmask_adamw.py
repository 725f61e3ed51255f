# Optimiser and schedule of SplitMask pre-training.
# Optimiser: BEiT's (AdamW, lr 1.5e-3 at total batch 2048, weight decay 0.05,
# gradient clipping 3.0).
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

# The paper's schedule rule, computed at start from the number of images
# found and the total batch (and logged): the images seen in 300 ImageNet-1k
# epochs, capped at 5,000 epochs of the data set (more over-fits small
# sets); warm-up 1/30 of the run (BEiT's 10 of 300 epochs), then cosine.
train_cfg = dict(
    type='PaperScheduleTrainLoop',
    reference_epochs=300,
    reference_images=1281167,
    max_epochs=5000,
    warmup_share=10 / 300,
    warmup_start_factor=1e-4,
    eta_min=1e-5)

# ViT-B/16: the one definition shared by pre-training (SplitMaskViT) and
# every fine-tuning config (mmpretrain VisionTransformer in mmpretrain,
# mmseg and mmdet), so their architectures cannot drift apart.
vit_b = dict(
    arch='b',
    patch_size=16,
    layer_scale_init_value=0.1,
    norm_cfg=dict(type='LN', eps=1e-6))
vit_b_dims = 768
vit_b_heads = 12

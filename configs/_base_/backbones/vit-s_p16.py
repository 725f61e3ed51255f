# ViT-S/16 (DeiT-S's shape: width 384, 12 layers, 6 heads; mmpretrain's
# arch 's' is the older width-768, 8-layer ViT), shared by pre-training and
# fine-tuning configs.
vit_s = dict(
    arch='deit-s',
    patch_size=16,
    layer_scale_init_value=0.1,
    norm_cfg=dict(type='LN', eps=1e-6))
vit_s_dims = 384
vit_s_heads = 6

# The demo's tiny ViT (4 layers, width 192), shared by the CPU-scale demo
# configs of pre-training and fine-tuning.
vit_tiny_arch = dict(
    embed_dims=192, num_layers=4, num_heads=3, feedforward_channels=768)
vit_tiny = dict(
    arch=vit_tiny_arch,
    patch_size=16,
    layer_scale_init_value=0.1,
    norm_cfg=dict(type='LN', eps=1e-6))
vit_tiny_dims = 192
vit_tiny_heads = 3

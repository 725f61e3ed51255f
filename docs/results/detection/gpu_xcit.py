# The neck of the GPU configs that follow the paper
# (configs/downstream/maskrcnn_vit-{b,s}_xcit-fpn_3x_coco.py: XCiT's rescale
# of four blocks, then mmdet's FPN with no norm) on the study's ViT and
# scenes (8px patches: the rescale's single transposed convolution has no
# norm), with the diagnosis runs' budget (_schedule.py).
_base_ = ['./_schedule.py']

model = dict(neck=[
    dict(type='ViTFeatureRescale', in_channels=192, patch_size=8),
    dict(type='FPN', in_channels=[192] * 4, out_channels=128, num_outs=5),
])

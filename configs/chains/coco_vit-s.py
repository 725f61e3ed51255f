# COCO, end to end, ViT-S/16 (the paper's COCO table is ViT-S): SplitMask
# pre-training on the COCO train2017 images (the paper's recipe), conversion,
# Mask R-CNN fine-tuning as the paper does it (XCiT's pyramid + FPN, sinusoidal
# positions, 3x schedule with Swin's hyper-parameters) and evaluation; prints
# the final box AP.
# (ViTDet's recipe instead: finetune=dict(config='configs/downstream/
# maskrcnn_vit-s_vitdet-lsj_coco.py') and convert=dict(img_size=1024).)
#   tools/dist_chain.sh configs/chains/coco_vit-s.py 8
work_dir = 'work_dirs/chains/coco_vit-s'
pretrain = dict(config='configs/splitmask/vit-s_coco.py', cfg_options={})
convert = dict()
finetune = dict(
    config='configs/downstream/maskrcnn_vit-s_xcit-fpn_3x_coco.py',
    cfg_options={})
metric = 'bbox_mAP'

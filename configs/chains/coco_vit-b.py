# COCO, end to end: SplitMask ViT-B/16 pre-training on the COCO train2017
# images (patch-vocabulary targets, built first), conversion with the
# position embedding interpolated to 1024px, Mask R-CNN fine-tuning with the
# ViTDet recipe and evaluation; prints the final box AP.
#   tools/dist_chain.sh configs/chains/coco_vit-b.py 8
work_dir = 'work_dirs/chains/coco_vit-b'
pretrain = dict(config='configs/splitmask/vit-b_coco.py', cfg_options={})
convert = dict(img_size=1024)
finetune = dict(
    config='configs/downstream/maskrcnn_vit-b_vitdet-lsj_coco.py',
    cfg_options={})
metric = 'bbox_mAP'

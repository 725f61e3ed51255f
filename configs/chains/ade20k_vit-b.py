# ADE20K, end to end: SplitMask ViT-B/16 pre-training on the ADE20K training
# images (the paper's recipe), conversion with the
# position embedding interpolated to 512px, UperNet fine-tuning (160k
# iterations) and evaluation; prints the final mIoU.
#   tools/dist_chain.sh configs/chains/ade20k_vit-b.py 8
work_dir = 'work_dirs/chains/ade20k_vit-b'
pretrain = dict(config='configs/splitmask/vit-b_ade20k.py', cfg_options={})
convert = dict(img_size=512)
finetune = dict(
    config='configs/downstream/upernet_vit-b_ade20k.py', cfg_options={})
metric = 'mIoU'

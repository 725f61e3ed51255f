# The ADE20K chain at CPU scale (the demo's tiny ViT, 96px): pre-training,
# conversion, UperNet fine-tuning and evaluation on ADE20K-layout data under
# data/ade/ADEChallengeData2016 (the real one, or any in that layout).
#   tools/dist_chain.sh configs/chains/ade20k_vit-tiny_demo.py 1
data_root = 'data/ade/ADEChallengeData2016'
work_dir = 'work_dirs/chains/ade20k_vit-tiny_demo'
pretrain = dict(
    config='configs/splitmask/vit-tiny_demo.py',
    cfg_options={
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.dataset.data_prefix': 'images/training',
    })
convert = dict(img_size=96)
finetune = dict(
    config='configs/downstream/upernet_vit-tiny_demo.py',
    cfg_options={
        'train_dataloader.dataset.data_root': data_root,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
    })
metric = 'mIoU'

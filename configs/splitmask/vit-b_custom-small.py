# SplitMask ViT-B/16 on a small folder of your own images (a few thousand,
# as Stanford Cars or DomainNet's ClipArt/Sketch/Painting): the paper's
# recipe for its smallest sets, against early over-fitting:
# - [paper] uniform random split, subset A 25% of the patches (branch A
#   inpaints the other 75%) instead of the 50% block split;
# - [paper] random greyscale, solarization, Gaussian blur and colour jitter
#   on top of the crop and flip; [ours] their strengths, BYOL's second view
#   (mmpretrain's transforms);
# - [paper] at most 5,000 epochs (the schedule rule's cap, as every config).
#   tools/dist_train.sh configs/splitmask/vit-b_custom-small.py 8 \
#       --cfg-options train_dataloader.dataset.data_root=/path/to/images
_base_ = ['./vit-b_custom.py', '../_base_/datasets/small_set_pipeline.py']

train_dataloader = dict(dataset=dict(pipeline=_base_.small_set_pipeline))

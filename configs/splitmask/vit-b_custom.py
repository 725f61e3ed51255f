# SplitMask ViT-B/16 pre-training on a folder of your own images.
#   python tools/build_vocabulary.py configs/splitmask/vit-b_custom.py \
#       --cfg-options train_dataloader.dataset.data_root=/path/to/images \
#       --out work_dirs/vocabularies/my_images_p16_k8192.pth
#   tools/dist_train.sh configs/splitmask/vit-b_custom.py 8 --cfg-options \
#       train_dataloader.dataset.data_root=/path/to/images \
#       model.target_generator.vocabulary=work_dirs/vocabularies/my_images_p16_k8192.pth
_base_ = [
    '../_base_/backbones/vit-b_p16.py',
    '../_base_/models/splitmask_vit-b_p16.py',
    '../_base_/datasets/custom_pretrain.py',
    '../_base_/schedules/splitmask_adamw.py',
    '../_base_/splitmask_runtime.py',
]
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)

# Targets: a patch vocabulary of 8192 entries built from the folder itself.
vocabulary = 'work_dirs/vocabularies/custom_p16_k8192.pth'
model = dict(
    backbone=dict(**_base_.vit_b),
    target_generator=dict(
        type='PatchVocabularyTokenizer', vocabulary=vocabulary,
        patch_size=16))

# Small sets: the paper found that hiding 75% of the patches from each
# branch (subset A gets a quarter) reduces over-fitting on a few thousand
# images. Try it with
#   --cfg-options train_dataloader.dataset.pipeline.3.ratio=0.25
# (pipeline.3 is the SplitMaskGenerator).

# The paper's schedule rule, computed at start from the number of images
# found and the total batch (logged): the images seen of 300 ImageNet-1k
# epochs, capped at 5,000 epochs of this folder; warm-up 1/30, then cosine.
train_cfg = dict(
    type='PaperScheduleTrainLoop',
    reference_epochs=300,
    reference_images=1281167,
    max_epochs=5000,
    warmup_share=10 / 300,
    warmup_start_factor=1e-4,
    eta_min=1e-5)

# Control: ResNet-18 from scratch (BN) in place of the ViT and its
# rescaling; the same FPN, heads, data and budget, lr 1e-3: the study's
# control config as it is.
_base_ = ['../../../configs/study/maskrcnn_r18_digits.py']

default_hooks = dict(logger=dict(interval=25))

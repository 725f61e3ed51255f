# gpu_vitdet.py with the ViT map instance-normalised before the simple
# pyramid (SimpleFPN's input_norm_cfg), nothing else changed.
_base_ = ['./gpu_vitdet.py']

model = dict(neck=dict(input_norm_cfg=dict(type='IN', affine=True)))

# The same run with PyTorch's default initialisation of the RPN
# convolutions and of the box head's fc_cls/fc_reg (the change that moved
# UperNet off its floor); its log is next to this file.
#   python tools/train.py docs/results/detection_floor/maskrcnn_random_1000its_torch-init.py
_base_ = ['./maskrcnn_random_1000its.py']

torch_default = dict(type='Kaiming', a=5**0.5, mode='fan_in',
                     nonlinearity='leaky_relu', distribution='uniform')
model = dict(
    rpn_head=dict(init_cfg=dict(layer='Conv2d', **torch_default)),
    roi_head=dict(bbox_head=dict(init_cfg=[
        dict(type='Xavier', distribution='uniform',
             override=[dict(name='shared_fcs')]),
        dict(override=[dict(name='fc_cls'), dict(name='fc_reg')],
             **torch_default)])))
work_dir = 'work_dirs/detection_floor/random_1000its_torch-init'

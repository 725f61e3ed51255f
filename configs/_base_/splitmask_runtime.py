# Runtime shared by the SplitMask pre-training configs.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['splitmask_mm'], allow_failed_imports=False)
# mmengine's Runner, plus resuming its own checkpoints under torch's
# weights_only loading (see splitmask_mm/engine/runner.py).
runner_type = 'SplitMaskRunner'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=5000, by_epoch=False,
        max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

log_processor = dict(by_epoch=False, window_size=10)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'

load_from = None
resume = False
# Every process and data-loader worker draws its own crops and splits.
randomness = dict(seed=0, diff_rank_seed=True)

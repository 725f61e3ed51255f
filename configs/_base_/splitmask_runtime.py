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
    # a NaN/inf loss stops the run before the optimizer step, naming the
    # term and the iteration; mode='skip' skips such steps instead
    # (--cfg-options default_hooks.nonfinite.mode=skip)
    nonfinite=dict(type='NonFiniteLossHook', mode='stop',
                   max_skipped_in_a_row=10),
)
custom_hooks = [
    # SIGUSR1/SIGTERM (Slurm's time-limit warning or pre-emption): finish
    # the iteration, save iter_N.pth, exit 75 (tools/slurm_train.sh
    # requeues; the new job resumes)
    dict(type='PreemptionHook'),
    # count and name the images that bad_images='skip' replaced; stop when
    # more than 1% of the data set is unreadable
    dict(type='SkippedImagesHook', max_fraction=0.01),
]

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
# Every process draws its own crops and splits (each sample's seed comes
# from its place in the data stream, see ResumableInfiniteSampler).
# deterministic=True also makes cuDNN deterministic: bit-exact resume on GPU
# at some speed cost.
randomness = dict(seed=0, diff_rank_seed=True)

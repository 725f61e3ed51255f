# Copyright (c) splitmask_mm authors. All rights reserved.
"""NonFiniteLossHook on a real model's train_step (SplitMask here; the
hook only sees parse_losses and the optimizer wrapper, which every mmengine
model has)."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger
from mmengine.optim import OptimWrapper

from splitmask_mm.engine import NonFiniteLossHook
from test_model import _samples, build_tiny_splitmask, random_mask


def runner_with(model, iteration=41):
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    hub = MessageHub.get_instance('test_hooks')
    return SimpleNamespace(
        model=model, optim_wrapper=optim, iter=iteration, message_hub=hub,
        logger=MMLogger.get_instance('test_hooks'))


def batch(n=2):
    return dict(
        inputs=torch.randint(0, 255, (n, 3, 64, 64)).float(),
        data_samples=_samples(random_mask(n, 16, 8).reshape(n, 4, 4)))


def test_finite_steps_train_as_usual(registered):
    model = build_tiny_splitmask()
    runner = runner_with(model)
    NonFiniteLossHook().before_train(runner)
    before = model.neck.decoder_embed.weight.clone()
    log_vars = model.train_step(batch(), runner.optim_wrapper)
    assert torch.isfinite(log_vars['loss'])
    assert not torch.equal(before, model.neck.decoder_embed.weight)


def test_stop_names_the_term_and_iteration_before_the_step(registered):
    model = build_tiny_splitmask()
    runner = runner_with(model)
    NonFiniteLossHook(mode='stop').before_train(runner)
    with torch.no_grad():
        model.head.predictor.bias[0] = float('nan')
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(FloatingPointError,
                       match=r'Non-finite loss_mim at iteration 42 .*'
                       'stopped before the optimizer step'):
        model.train_step(batch(), runner.optim_wrapper)
    # no backward, no step: the weights (but the poisoned bias) unchanged
    for k, v in model.state_dict().items():
        assert torch.equal(v, weights[k]) or 'predictor.bias' in k, k
    assert all(p.grad is None for p in model.parameters())


def test_skip_skips_the_step_then_stops_after_too_many(registered):
    model = build_tiny_splitmask()
    runner = runner_with(model)
    hook = NonFiniteLossHook(mode='skip', max_skipped_in_a_row=2)
    hook.before_train(runner)
    runner.message_hub.update_info('skipped_steps', 0)
    with torch.no_grad():
        model.head.predictor.bias[0] = float('nan')
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    for skipped in (1, 2):
        log_vars = model.train_step(batch(), runner.optim_wrapper)
        assert not torch.isfinite(log_vars['loss_mim'])  # logged as it was
        assert runner.message_hub.get_info('skipped_steps') == skipped
        assert not runner.optim_wrapper.optimizer.state  # AdamW never ran
        for k, v in model.state_dict().items():
            assert torch.equal(v, weights[k]) or 'predictor.bias' in k, k
    with pytest.raises(FloatingPointError, match='3 steps in a row'):
        model.train_step(batch(), runner.optim_wrapper)
    # a finite step resets the count
    with torch.no_grad():
        model.head.predictor.bias[0] = 0.
    hook.skipped_in_a_row = 0
    model.train_step(batch(), runner.optim_wrapper)
    assert runner.optim_wrapper.optimizer.state and hook.skipped_in_a_row == 0


def test_hook_is_found_from_every_library_scope():
    import splitmask_mm  # noqa: F401
    from mmengine.registry import HOOKS
    from mmpretrain.registry import HOOKS as PRETRAIN_HOOKS
    from mmseg.registry import HOOKS as SEG_HOOKS
    from mmdet.registry import HOOKS as DET_HOOKS
    for registry in (HOOKS, PRETRAIN_HOOKS, SEG_HOOKS, DET_HOOKS):
        for name in ('NonFiniteLossHook', 'PreemptionHook',
                     'SkippedImagesHook'):
            assert registry.get(name) is not None, (registry.scope, name)
    with pytest.raises(ValueError, match="mode must be 'stop' or 'skip'"):
        NonFiniteLossHook(mode='ignore')

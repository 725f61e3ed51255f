# Copyright (c) splitmask_mm authors. All rights reserved.
"""Pre-training cost of SplitMask against BEiT v1 and MAE, side by side.

    python tools/benchmark.py [--arch {s,b}] [--batch 8] [--iters 3]
        [--methods splitmask,splitmask-dalle,beit,mae] [--device cpu|cuda]
        [--amp] [--json FILE] [--pipeline-images 64] [--rounds 1]

Each method is built through the registries from this repository's configs
(SplitMask: configs/splitmask/vit-b_ade20k.py, the paper's defaults:
random-projection targets, decoder as wide as the encoder;
``splitmask-d512``: the same with our former 512-wide decoder;
``splitmask-dalle``: ..._dalle.py; BEiT v1: configs/baselines/
beit_vit-b_ade20k_dalle.py, i.e. BEiTPretrainViT + BEiTV1Head + DALL-E;
MAE: configs/baselines/mae_vit-b_ade20k.py), all randomly initialised, and
runs full training steps (data preprocessor, forward, backward, AdamW step)
on the same synthetic batch, each method in a fresh process. Printed: the
median step time, images/s, peak memory (GPU: max allocated; CPU: peak RSS
of a step, and the peak of its live tensors, which unlike RSS does not move
between runs), the step-time ratio to BEiT, SplitMask's breakdown
(encoder, decoder, target generator, losses, backward, optimizer), the
FLOPs of a step counted on the ops it runs and the rate they run at
(TFLOP/s), and on a GPU the model FLOPs utilisation. Last,
the images/s one data-loader worker gets through the ADE20K pre-training
pipeline, against the images/s the model consumes. Numbers only: this is
not a test.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import splitmask_mm  # noqa: F401 (first: it quiets the stack's import noise)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# --arch study: the CPU-scale study's pre-training (ViT 4 layers, width
# 192, 8px patches, 64px digit scenes), the size tools/study.py trains
STUDY_CONFIGS = {
    'splitmask': 'configs/study/splitmask_vit-tiny-p8_digits.py',
    'beit': 'configs/study/beit_vit-tiny-p8_digits.py',
    'mae': 'configs/study/mae_vit-tiny-p8_digits.py',
}
CONFIGS = {
    'splitmask': 'configs/splitmask/vit-{arch}_ade20k.py',
    'splitmask-d512': 'configs/splitmask/vit-{arch}_ade20k.py',
    'splitmask-dalle': 'configs/splitmask/vit-b_ade20k_dalle.py',
    'beit': 'configs/baselines/beit_vit-b_ade20k_dalle.py',
    'mae': 'configs/baselines/mae_vit-b_ade20k.py',
}
VIT_S = dict(embed_dims=384, num_layers=12, num_heads=6,
             feedforward_channels=1536)
# dense bf16 tensor-core peak (the vendors' data sheets), for MFU
PEAK_FLOPS = {'H100': 989e12, 'H200': 989e12, 'H800': 989e12, 'A100': 312e12,
              'A800': 312e12, 'L40S': 362e12, 'L4': 121e12, 'B200': 2250e12}
# the narrower decoder of splitmask-d512 (ours before the paper's was read)
NARROW_DECODER = dict(b=(512, 16), s=(256, 8))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', choices=['s', 'b', 'study'], default='b',
                        help='ViT-S/16 or ViT-B/16 at 224px, or the CPU-scale '
                        "study's tiny ViT (8px patches, 64px scenes)")
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=3,
                        help='timed steps after one warm-up step')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument(
        '--rounds', type=int, default=1,
        help='run the methods this many times, round-robin, each in a fresh '
        'process, and report each method\'s median: ratios that drifting '
        'machine load does not tilt')
    parser.add_argument('--methods', default='splitmask,splitmask-dalle,'
                        'beit,mae')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--amp', action='store_true',
                        help='bf16 autocast: AmpOptimWrapper on a GPU, '
                        'BF16OptimWrapper on a CPU')
    parser.add_argument('--compile', action='store_true',
                        help='compile as `compile=True` trains: the whole '
                        'loss, fused AdamW (the warm-up steps compile)')
    parser.add_argument('--cpu-attention', choices=['math', 'auto'],
                        default='math', help="BF16OptimWrapper's attention "
                        'kernel on a CPU (auto: torch\'s fused flash kernel)')
    parser.add_argument('--json', help='write every figure to this file')
    parser.add_argument('--pipeline-images', type=int, default=64,
                        help='images through the data pipeline (0: skip)')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    return parser.parse_args()


def model_config(method: str, arch: str):
    from mmengine.config import Config
    if arch == 'study':
        cfg = Config.fromfile(osp.join(ROOT, STUDY_CONFIGS[method]))
        return cfg.model, cfg.train_dataloader.dataset.pipeline
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[method].format(arch=arch)))
    model = cfg.model
    if model.get('target_generator', {}).get('type') == 'DALL-E':
        model.target_generator.pop('init_cfg', None)  # random weights
    if arch == 's' and method not in ('splitmask', 'splitmask-d512'):
        if method == 'mae':
            model.backbone.arch = 'deit-s'
            model.neck.embed_dim = 384
        else:
            model.backbone.arch = VIT_S
            if method == 'beit':
                model.head.embed_dims = 384
            else:
                model.neck.update(in_channels=384, embed_dims=384,
                                  num_heads=6)
                model.head.in_channels = 384
    if method == 'splitmask-d512':
        width, heads = NARROW_DECODER[arch]
        model.neck.update(embed_dims=width, num_heads=heads)
        model.head.in_channels = width
    pipeline = cfg.train_dataloader.dataset.pipeline
    return model, pipeline


def synthetic_batch(pipeline, batch: int, seed: int = 0):
    """Packed samples of random images through the config's own pipeline
    (after loading), so masks and views are the real ones."""
    import numpy as np
    from mmengine.dataset import default_collate
    from mmpretrain.registry import TRANSFORMS
    transforms = [TRANSFORMS.build(t) for t in pipeline
                  if t['type'] != 'LoadImageFromFile']
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(batch):
        results = dict(img=rng.integers(0, 256, (300, 400, 3), np.uint8),
                       img_shape=(300, 400), ori_shape=(300, 400))
        for t in transforms:
            results = t(results)
        samples.append(results)
    return default_collate(samples)


class PeakRSS:
    """Peak resident memory of this process while the block runs (MB)."""

    def __enter__(self):
        self.peak, self._stop = 0, False
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        page = os.sysconf('SC_PAGE_SIZE')
        while not self._stop:
            with open('/proc/self/statm') as f:
                rss = int(f.read().split()[1]) * page
            self.peak = max(self.peak, rss)
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join()
        self.peak_mb = self.peak / 2**20


class LiveTensorPeak:
    """High-water mark of the tensor memory alive in a block (bytes).

    The CPU counterpart of ``torch.cuda.max_memory_allocated``: every
    storage an op creates is counted until it is freed, so the figure is
    the same from run to run, unlike the peak RSS, which moves by ~100 MB
    with what the allocator keeps. Ours, not torch's ``MemTracker``: that
    one hooks every parameter's gradient and refuses frozen ones (the
    DALL-E tokenizer).
    """

    def __init__(self, *tensors):
        self.live, self.now, self.peak = {}, 0, 0
        for t in tensors:
            self.add(t)

    def add(self, t):
        import weakref

        import torch
        if not isinstance(t, torch.Tensor):
            return
        storage = t.untyped_storage()
        key = storage.data_ptr()
        if key in self.live or not storage.nbytes():
            return
        self.live[key] = storage.nbytes()
        self.now += storage.nbytes()
        self.peak = max(self.peak, self.now)
        weakref.finalize(storage, self.free, key)

    def free(self, key):
        self.now -= self.live.pop(key, 0)

    def __enter__(self):
        import torch
        from torch.utils._python_dispatch import TorchDispatchMode
        from torch.utils._pytree import tree_map_only
        tracker = self

        class Mode(TorchDispatchMode):

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                tree_map_only(torch.Tensor, tracker.add, out)
                return out

        self.mode = Mode()
        self.mode.__enter__()
        return self

    def __exit__(self, *exc):
        self.mode.__exit__(*exc)


def tensor_peak(model, optim_wrapper, data, device) -> float:
    """Peak tensor memory of one training step (MB): weights, gradients,
    optimizer state, activations and temporaries."""
    import torch
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**20
    state = [t for s in optim_wrapper.optimizer.state.values()
             for t in s.values()]
    with LiveTensorPeak(*model.parameters(), *model.buffers(), *state) as mem:
        with optim_wrapper.optim_context(model):
            batch = model.data_preprocessor(data, True)
            losses = model._run_forward(batch, mode='loss')
        loss, _ = model.parse_losses(losses)
        optim_wrapper.update_params(loss)
    return mem.peak / 2**20


def count_cpu_attention_flops():
    """Teach torch's FLOP counter the CPU kernel of
    ``scaled_dot_product_attention``: it counts the GPU kernels only, and
    would count SplitMask's attention (fused) as 0 but BEiT's (plain
    matrix products) in full."""
    import torch
    from torch.utils import flop_counter as fc
    aten = torch.ops.aten
    if aten._scaled_dot_product_flash_attention_for_cpu in fc.flop_registry:
        return

    @fc.register_flop_formula(aten._scaled_dot_product_flash_attention_for_cpu)
    def forward(query, key, value, *args, out_shape=None, **kwargs):
        return fc.sdpa_flop_count(query, key, value)

    @fc.register_flop_formula(
        aten._scaled_dot_product_flash_attention_for_cpu_backward)
    def backward(grad_out, query, key, value, *args, out_shape=None,
                 **kwargs):
        return fc.sdpa_backward_flop_count(grad_out, query, key, value)


def count_step_flops(model, optim_wrapper, data) -> float:
    """FLOPs of one training step (forward and backward), counted on the
    ops it runs."""
    from torch.utils.flop_counter import FlopCounterMode
    count_cpu_attention_flops()
    with FlopCounterMode(display=False) as counter:
        with optim_wrapper.optim_context(model):
            batch = model.data_preprocessor(data, True)
            losses = model._run_forward(batch, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
    optim_wrapper.zero_grad()
    return counter.get_total_flops()


def run_worker(args) -> dict:
    """Build one method, run its steps, return its figures."""
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    from mmpretrain.registry import MODELS
    from splitmask_mm.engine.compile import compile_model
    DefaultScope.get_instance('benchmark', scope_name='mmpretrain')
    torch.manual_seed(0)
    device = torch.device(args.device)

    model_cfg, pipeline = model_config(args.worker, args.arch)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.to(device).train()
    wrapper = 'OptimWrapper'
    if args.amp:  # bf16 autocast; mmengine's AMP wrapper is GPU-only
        wrapper = 'AmpOptimWrapper' if device.type == 'cuda' else \
            'BF16OptimWrapper'
    optim_wrapper = build_optim_wrapper(model, dict(
        type=wrapper,
        **(dict(dtype='bfloat16') if wrapper == 'AmpOptimWrapper' else {}),
        **(dict(cpu_attention=args.cpu_attention)
           if wrapper == 'BF16OptimWrapper' else {}),
        optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05,
                       # as `compile=True` trains: fused AdamW
                       **(dict(fused=True) if args.compile else {}))))
    data = synthetic_batch(pipeline, args.batch)

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    # breakdown: forward hooks time the modules inside the real loss()
    spans = {}

    def timed(name, module):
        def pre(*_):
            sync()
            spans.setdefault(name, []).append(-time.perf_counter())

        def post(*_):
            sync()
            spans[name][-1] += time.perf_counter()
        module.register_forward_pre_hook(pre)
        module.register_forward_hook(post)

    flops = None
    if args.compile:
        # FLOPs first: the counter does not see inside compiled kernels
        flops = count_step_flops(model, optim_wrapper, data)
        # what `compile=True` compiles when training (the whole loss:
        # splitmask_mm/engine/compile.py); no per-module timing hooks then,
        # they would break the graph
        compile_model(model, True)
    else:
        for name in ('backbone', 'neck', 'target_generator'):
            if getattr(model, name, None) is not None:
                timed(name, getattr(model, name))

    steps, parts = [], []
    for i in range(args.warmup + args.iters):
        spans.clear()
        sync()
        start = time.perf_counter()
        with optim_wrapper.optim_context(model):
            batch = model.data_preprocessor(data, True)
            losses = model._run_forward(batch, mode='loss')
        sync()
        t_forward = time.perf_counter()
        loss, log_vars = model.parse_losses(losses)
        optim_wrapper.backward(loss)
        sync()
        t_backward = time.perf_counter()
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        sync()
        end = time.perf_counter()
        if i >= args.warmup:
            steps.append(end - start)
            module_s = {k: sum(v) for k, v in spans.items()}
            parts.append(dict(
                module_s,
                losses_and_rest=t_forward - start - sum(module_s.values()),
                backward=t_backward - t_forward,
                optimizer=end - t_backward))
        if i == args.warmup - 1 or (args.warmup == 0 and i == 0):
            if device.type == 'cuda':
                torch.cuda.reset_peak_memory_stats()

    # peak memory of one more step
    if device.type == 'cuda':
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        with PeakRSS() as rss:
            with optim_wrapper.optim_context(model):
                batch = model.data_preprocessor(data, True)
                losses = model._run_forward(batch, mode='loss')
            loss, _ = model.parse_losses(losses)
            optim_wrapper.update_params(loss)
        peak_mb = rss.peak_mb
    tensor_peak_mb = tensor_peak(model, optim_wrapper, data, device)

    result = dict(
        step_s=statistics.median(steps),
        steps_s=steps,
        img_per_s=args.batch / statistics.median(steps),
        peak_mem_mb=peak_mb,
        peak_tensor_mb=tensor_peak_mb,
        breakdown_s={k: statistics.median(p[k] for p in parts)
                     for k in parts[0]},
        params_m=sum(p.numel() for p in model.parameters()) / 1e6,
        losses={k: float(v) for k, v in log_vars.items()})
    # FLOPs of one step, counted on the ops it runs (forward, backward,
    # the tokenizer; not the optimizer); before compiling, whose fused
    # kernels the counter does not see
    flops = flops or count_step_flops(model, optim_wrapper, data)
    result.update(flops_per_step=flops,
                  tflops_per_s=flops / result['step_s'] / 1e12)
    if device.type == 'cuda':
        name = torch.cuda.get_device_name()
        peak = next((v for k, v in PEAK_FLOPS.items() if k in name), None)
        result.update(device_name=name,
                      mfu=flops / result['step_s'] / peak if peak else None)
    return result


def pipeline_throughput(num_images: int) -> float:
    """Images/s of the ADE20K pre-training pipeline in one process, on
    ADE20K-sized JPEGs (683x512) in the real on-disk layout."""
    import cv2
    import numpy as np
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmpretrain.registry import DATASETS
    DefaultScope.get_instance('benchmark_data', scope_name='mmpretrain')
    root = tempfile.mkdtemp()
    folder = osp.join(root, 'images', 'training')
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    base = cv2.resize(rng.integers(0, 256, (64, 85, 3), np.uint8), (683, 512))
    for i in range(num_images):
        noise = rng.integers(-20, 20, base.shape)
        cv2.imwrite(osp.join(folder, f'ADE_train_{i:08d}.jpg'),
                    np.clip(base + noise, 0, 255).astype(np.uint8))
    cfg = Config.fromfile(osp.join(ROOT, 'configs/splitmask/vit-b_ade20k.py'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = root
    dataset = DATASETS.build(dataset_cfg)
    dataset[0]
    start = time.perf_counter()
    for i in range(len(dataset)):
        dataset[i]
    return len(dataset) / (time.perf_counter() - start)


def main():
    args = parse_args()
    if args.worker:
        print('RESULT ' + json.dumps(run_worker(args)))
        return

    import torch
    methods = [m.strip() for m in args.methods.split(',') if m.strip()]
    known = STUDY_CONFIGS if args.arch == 'study' else CONFIGS
    unknown = set(methods) - set(known)
    if unknown:
        raise SystemExit(f'unknown methods {sorted(unknown)} for --arch '
                         f'{args.arch}; choose from {sorted(known)}')
    size = "the study's ViT (4 layers, width 192, 8px patches), 64px" \
        if args.arch == 'study' else f'ViT-{args.arch.upper()}/16, 224px'
    print(f'{size}, batch {args.batch}, '
          f'{args.iters} timed steps after {args.warmup} warm-up, device '
          f'{args.device}{" bf16" if args.amp else ""}'
          f'{" compiled" if args.compile else ""}, torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads',
          flush=True)
    runs = {method: [] for method in methods}
    total, n = len(methods) * args.rounds, 0
    start = time.time()
    for _ in range(args.rounds):
        for method in methods:
            cmd = [sys.executable, osp.abspath(__file__), '--worker',
                   method] + [a for a in sys.argv[1:]]
            proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            lines = [line for line in proc.stdout.splitlines()
                     if line.startswith('RESULT ')]
            if proc.returncode or not lines:
                print(proc.stdout[-3000:])
                raise SystemExit(f'{method} failed')
            runs[method].append(json.loads(lines[-1][7:]))
            n += 1
            eta = (time.time() - start) / n * (total - n)
            print(f'[{n}/{total}] {method}: '
                  f'{runs[method][-1]["step_s"]:.2f} s/step '
                  f'(ETA {eta / 60:.1f} min)', flush=True)
    results = {}
    for method, rs in runs.items():
        # the round with the median step time speaks for the method
        r = dict(sorted(rs, key=lambda r: r['step_s'])[(len(rs) - 1) // 2])
        r['rounds_step_s'] = [x['step_s'] for x in rs]
        r['peak_mem_mb'] = max(x['peak_mem_mb'] for x in rs)
        r['peak_tensor_mb'] = max(x['peak_tensor_mb'] for x in rs)
        results[method] = r

    ref = results.get('beit', {}).get('step_s')
    print(f'\n{"method":<16}{"step s":>9}{"img/s":>8}{"peak MB":>10}'
          f'{"tensor MB":>11}{"vs BEiT":>9}{"TFLOP/s":>9}{"MFU":>7}')
    for method, r in results.items():
        ratio = f'{r["step_s"] / ref:.2f}x' if ref else '-'
        mfu = f'{r["mfu"] * 100:.1f}%' if r.get('mfu') else '-'
        print(f'{method:<16}{r["step_s"]:>9.2f}{r["img_per_s"]:>8.2f}'
              f'{r["peak_mem_mb"]:>10.0f}{r["peak_tensor_mb"]:>11.0f}'
              f'{ratio:>9}{r["tflops_per_s"]:>9.2f}{mfu:>7}')
        r['ratio_to_beit'] = r['step_s'] / ref if ref else None
    if args.rounds > 1:
        print('rounds (s/step): ' + '; '.join(
            f'{m} ' + ' '.join(f'{x:.2f}' for x in r['rounds_step_s'])
            for m, r in results.items()))
        if 'beit' in runs:
            # a round's methods run back to back, under the same load of
            # the machine: their ratio moves less than their times
            for method, r in results.items():
                r['ratio_to_beit_rounds'] = [
                    x['step_s'] / b['step_s']
                    for x, b in zip(runs[method], runs['beit'])]
                r['ratio_to_beit_median_of_rounds'] = statistics.median(
                    r['ratio_to_beit_rounds'])
            print('ratio to BEiT, round by round (median): ' + '; '.join(
                f'{m} ' + ' '.join(
                    f'{x:.2f}' for x in r['ratio_to_beit_rounds']) +
                f' ({r["ratio_to_beit_median_of_rounds"]:.2f})'
                for m, r in results.items() if m != 'beit'))
    for method in ('splitmask', 'splitmask-d512', 'splitmask-dalle'):
        if method in results:
            parts = results[method]['breakdown_s']
            total = sum(parts.values())
            print(f'\n{method} breakdown (median s of a step): ' + ', '.join(
                f'{k} {v:.2f} ({100 * v / total:.0f}%)'
                for k, v in parts.items()))
    out = dict(arch=args.arch, batch=args.batch, iters=args.iters,
               rounds=args.rounds,
               device=args.device, amp=args.amp, compile=args.compile,
               methods=results)
    if args.pipeline_images:
        per_worker = pipeline_throughput(args.pipeline_images)
        needs = {m: r['img_per_s'] for m, r in results.items()}
        print(f'\nADE20K pre-training pipeline: {per_worker:.1f} img/s per '
              'worker process; the model consumes ' + ', '.join(
                  f'{m} {v:.1f} img/s (>= {max(1, -(-v // per_worker)):.0f} '
                  'workers)' for m, v in needs.items()))
        out['pipeline_img_per_s_per_worker'] = per_worker
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)
        print(f'\nwrote {args.json}')


if __name__ == '__main__':
    main()

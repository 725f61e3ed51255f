# Copyright (c) splitmask_mm authors. All rights reserved.
"""One prepared check of the GPU path, for the first session lent a GPU.

    python tools/device_check.py --out DIR [--device cuda|cpu] [--quick]
        [--parts env,bench,compile,train,dist,finetune] [--budget-s 480]

Writes DIR/device_check.json (every figure) and DIR/device_check.txt (a
short summary). Each part runs in its own process with its own time limit;
a part that fails is recorded with its error and the next one still runs:

1. ``env``: GPU name and memory, torch/CUDA/cuDNN versions, the mmcv in
   use (lite or compiled, and whether its operators run on CUDA tensors),
   and the dense bf16 matrix-product rate this device reaches;
2. ``bench``: tools/benchmark.py with ``--amp`` for ViT-B at a realistic
   per-GPU batch: SplitMask (paper defaults), BEiT and MAE: step time,
   images/s, peak memory, FLOPs and MFU against the data-sheet bf16 peak
   and the measured one;
3. ``compile``: the same, compiled as ``compile=True`` trains (the whole
   loss; fused AdamW), beside part 2's eager rows of the same run;
4. ``train``: a short real pre-training run (ViT-S, 224px, generated
   images, ``--amp``, ``deterministic=True``): losses finite and falling, a
   checkpoint written; a second run stopped by SIGUSR1 part-way (the
   pre-emption path), resumed with ``--resume``, must end with the same
   weights as the uninterrupted one;
5. ``dist``: ``tools/dist_train.sh CONFIG 1`` through torchrun with the
   NCCL backend (gloo on CPU), a few iterations;
6. ``finetune``: a few iterations of the study's UperNet and Mask R-CNN
   fine-tuning configs on CUDA: with mmcv-lite (what the device gets),
   NMS and RoIAlign come from torchvision (splitmask_mm/mmcv_ops.py).

``--device cpu --quick`` runs the same parts end to end on a CPU machine
in a few minutes (tiny sizes), so the script is known to work before a GPU
is lent; a default-suite test does that.

On the lent device (Python 3.12, torch 2.11, no OpenMMLab packages, no
network): first, here, ``bash tools/prepare_device_wheels.sh`` (writes the
git-ignored .whl/ with mmengine, mmpretrain, mmsegmentation, mmdet,
mmcv-lite and their small dependencies for Python 3.12), then one call of
the device tool's ``run`` with

    command:  bash tools/device_check.sh
    carry:    [".whl"]
    timeout_s: 540

(tools/device_check.sh installs the wheels into /tmp/site and runs this
script with --out $OUT; the whole check is sized for under 8 minutes).
"""
import argparse
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time
import traceback


ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(ROOT, 'tools')
PARTS = ('env', 'bench', 'compile', 'train', 'dist', 'finetune')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='report folder')
    parser.add_argument('--device', choices=['cuda', 'cpu'], default='cuda')
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes (the CPU dry run)')
    parser.add_argument('--parts', default=','.join(PARTS))
    parser.add_argument('--budget-s', type=float, default=480,
                        help='wall-time budget of the whole check')
    parser.add_argument('--part', help=argparse.SUPPRESS)
    return parser.parse_args()


def env() -> dict:
    """Subprocess environment: this repository importable."""
    e = dict(os.environ)
    e['PYTHONPATH'] = ROOT + os.pathsep + e.get('PYTHONPATH', '')
    e.setdefault('PYTHONUNBUFFERED', '1')
    return e


def run(cmd, timeout, log_path, **kwargs):
    """Run a command, its output to a log file; returns (code, tail)."""
    with open(log_path, 'w') as log:
        try:
            proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout, env=env(), cwd=ROOT,
                                  **kwargs)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = 'timeout'
    with open(log_path) as f:
        tail = f.read()[-3000:]
    return code, tail


# ---------------------------------------------------------------------------
# 1. environment
# ---------------------------------------------------------------------------
def part_env(args, work) -> dict:
    import torch
    report = dict(torch=torch.__version__, python=sys.version.split()[0],
                  cuda_available=torch.cuda.is_available())
    import numpy
    report['numpy'] = numpy.__version__
    if args.device == 'cuda':
        props = torch.cuda.get_device_properties(0)
        report.update(
            gpu=props.name, gpu_memory_gb=round(props.total_memory / 2**30, 1),
            capability=f'{props.major}.{props.minor}',
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
            gpus=torch.cuda.device_count())
    import mmcv
    import splitmask_mm  # noqa: F401 (mmcv-lite: NMS/RoIAlign stand-in)
    report['mmcv'] = mmcv.__version__
    try:
        import mmcv.ops  # noqa: F401
        report['mmcv_ops'] = 'torchvision stand-in (mmcv-lite)' if getattr(
            sys.modules['mmcv._ext'], 'STAND_IN', False) else 'compiled'
        from mmcv.ops import nms
        boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.]])
        scores = torch.tensor([0.9, 0.8])
        device = 'cuda' if args.device == 'cuda' else 'cpu'
        nms(boxes.to(device), scores.to(device), 0.5)
        report['mmcv_ops_on_device'] = True
    except Exception as e:  # mmcv-lite, or ops built without CUDA
        report.setdefault('mmcv_ops', 'none (mmcv-lite)')
        report['mmcv_ops_on_device'] = False
        report['mmcv_ops_error'] = f'{type(e).__name__}: {str(e)[:200]}'
    for name in ('mmengine', 'mmpretrain', 'mmseg', 'mmdet'):
        try:
            report[name] = __import__(name).__version__
        except Exception as e:
            report[name] = f'missing ({type(e).__name__})'
    # the dense bf16 matrix-product rate this device reaches
    n = 8192 if args.device == 'cuda' and not args.quick else 1024
    device = torch.device(args.device)
    dtype = torch.bfloat16
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start, reps = time.perf_counter(), 10
    for _ in range(reps):
        a @ b
    if device.type == 'cuda':
        torch.cuda.synchronize()
    report['bf16_matmul_tflops'] = round(
        2 * n**3 * reps / (time.perf_counter() - start) / 1e12, 2)
    return report


# ---------------------------------------------------------------------------
# 2. benchmark
# ---------------------------------------------------------------------------
def benchmark(args, work, name, extra, quick_methods='splitmask,beit'
              ) -> dict:
    out = osp.join(work, f'{name}.json')
    if args.quick:
        size = ['--arch', 's', '--batch', '2', '--iters', '1',
                '--methods', quick_methods]
    else:  # (the 512-wide decoder and DALL-E variants: measured 2026-11-30)
        size = ['--arch', 'b', '--batch', '128', '--iters', '5',
                '--methods', 'splitmask,beit,mae']
    code, tail = run([sys.executable, osp.join(TOOLS, 'benchmark.py'),
                      '--device', args.device, '--amp', '--json', out,
                      '--pipeline-images', '0'] + size + extra,
                     timeout=args.part_timeout,
                     log_path=osp.join(work, f'{name}.log'))
    if code != 0:
        raise RuntimeError(f'benchmark exit {code}:\n{tail}')
    with open(out) as f:
        bench = json.load(f)
    figures = {}
    for method, r in bench['methods'].items():
        figures[method] = {k: r.get(k) for k in (
            'step_s', 'img_per_s', 'peak_mem_mb', 'flops_per_step',
            'tflops_per_s', 'mfu', 'ratio_to_beit')}
    return dict(arch=bench['arch'], batch=bench['batch'], methods=figures)


def part_bench(args, work) -> dict:
    return benchmark(args, work, 'benchmark', [])


def part_compile(args, work) -> dict:
    """The same benchmark compiled as ``compile=True`` trains (the whole
    loss, fused AdamW); two warm-up steps compile (forward, backward)."""
    # (the CPU dry run compiles SplitMask only: compiling is most of it)
    return benchmark(args, work, 'benchmark_compiled',
                     ['--compile', '--warmup', '2'], 'splitmask')


# ---------------------------------------------------------------------------
# 3. a short real pre-training run, then pre-emption and exact resume
# ---------------------------------------------------------------------------
def write_images(folder: str, count: int, size: int) -> None:
    import cv2
    import numpy as np
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(count):
        img = np.zeros((size, size, 3), np.float32)
        for c in range(3):
            a, b, d = rng.uniform(-6, 6, 3)
            img[..., c] = 128 + 90 * np.sin(a * xx + b * yy + d)
        for _ in range(4):
            cv2.circle(img, tuple(int(v) for v in rng.integers(0, size, 2)),
                       int(rng.integers(size // 16, size // 4)),
                       rng.uniform(0, 255, 3).tolist(), -1)
        cv2.imwrite(osp.join(folder, f'img_{i:04d}.jpg'),
                    img.clip(0, 255).astype(np.uint8))


def train_options(args, data, iters, interval):
    if args.quick:
        config = osp.join(ROOT, 'configs', 'splitmask', 'vit-tiny_demo.py')
        batch = 4
    else:
        config = osp.join(ROOT, 'configs', 'splitmask', 'vit-s_custom.py')
        batch = 64
    options = [
        f'train_dataloader.dataset.data_root={osp.dirname(data)}',
        f'train_dataloader.dataset.data_prefix={osp.basename(data)}',
        f'train_dataloader.batch_size={batch}',
        'train_dataloader.num_workers=4' if not args.quick else
        'train_dataloader.num_workers=1',
        f'default_hooks.checkpoint.interval={interval}',
        'default_hooks.checkpoint.max_keep_ckpts=5',
        'default_hooks.logger.interval=10',
        'randomness.deterministic=True', 'randomness.seed=0',
        'env_cfg.cudnn_benchmark=False',
    ]
    # the length; the loop stretches its warm-up and cosine to it
    options.append(f'train_cfg.max_iters={iters}')
    return config, options


def scalars(work_dir):
    import glob
    rows = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if 'loss' in r]


def part_train(args, work) -> dict:
    import torch
    iters, interval = (12, 4) if args.quick else (200, 50)
    data = osp.join(work, 'images')
    write_images(data, 32 if args.quick else 256, 96 if args.quick else 256)
    config, options = train_options(args, data, iters, interval)
    # bf16 autocast: on the GPU, or a CPU with bf16 instructions
    amp = args.device == 'cuda' or \
        torch.ops.mkldnn._is_mkldnn_bf16_supported()
    train = [sys.executable, osp.join(TOOLS, 'train.py'), config] + (
        ['--amp'] if amp else [])
    report = {}

    # a. the uninterrupted run
    full = osp.join(work, 'run_full')
    start = time.time()
    code, tail = run(train + ['--work-dir', full, '--cfg-options'] + options,
                     timeout=args.part_timeout / 2,
                     log_path=osp.join(work, 'train_full.log'))
    if code != 0:
        raise RuntimeError(f'pre-training exit {code}:\n{tail}')
    rows = scalars(full)
    losses = [r['loss'] for r in rows]
    k = max(1, len(losses) // 4)
    report.update(
        iterations=iters, amp=amp,
        minutes=round((time.time() - start) / 60, 2),
        loss_first=sum(losses[:k]) / k, loss_last=sum(losses[-k:]) / k,
        losses_finite=all(v == v and abs(v) != float('inf')
                          for v in losses),
        checkpoint=osp.isfile(osp.join(full, f'iter_{iters}.pth')))
    report['losses_falling'] = report['loss_last'] < report['loss_first']

    # b. the same run stopped by the pre-emption signal part-way, resumed
    cut = osp.join(work, 'run_cut')
    log = open(osp.join(work, 'train_cut.log'), 'w')
    proc = subprocess.Popen(train + ['--work-dir', cut, '--cfg-options'] +
                            options, stdout=log, stderr=subprocess.STDOUT,
                            env=env(), cwd=ROOT)
    deadline = time.time() + args.part_timeout / 4
    while time.time() < deadline and proc.poll() is None and \
            not osp.isfile(osp.join(cut, f'iter_{interval}.pth')):
        time.sleep(0.5)
    if proc.poll() is None:
        proc.send_signal(signal.SIGUSR1)  # PreemptionHook: save, exit 75
    proc.wait(timeout=args.part_timeout / 4)
    log.close()
    report['preempted_exit_code'] = proc.returncode
    code, tail = run(train + ['--work-dir', cut, '--resume',
                              '--cfg-options'] + options,
                     timeout=args.part_timeout / 2,
                     log_path=osp.join(work, 'train_resume.log'))
    if code != 0:
        raise RuntimeError(f'resumed run exit {code}:\n{tail}')
    a = torch.load(osp.join(full, f'iter_{iters}.pth'), map_location='cpu',
                   weights_only=False)['state_dict']
    b = torch.load(osp.join(cut, f'iter_{iters}.pth'), map_location='cpu',
                   weights_only=False)['state_dict']
    diff = max(float((a[key].float() - b[key].float()).abs().max())
               for key in a)
    report.update(resumed_equals_uninterrupted=diff == 0.0,
                  resume_max_abs_weight_diff=diff)
    return report


# ---------------------------------------------------------------------------
# 4. torchrun, one process
# ---------------------------------------------------------------------------
def part_dist(args, work) -> dict:
    data = osp.join(work, 'images_dist')
    write_images(data, 16, 96 if args.quick else 256)
    config, options = train_options(args, data, 8 if args.quick else 20,
                                    1000)
    code, tail = run(['bash', osp.join(TOOLS, 'dist_train.sh'), config, '1',
                      '--work-dir', osp.join(work, 'run_dist'),
                      '--cfg-options'] + options,
                     timeout=args.part_timeout,
                     log_path=osp.join(work, 'dist.log'))
    if code != 0:
        raise RuntimeError(f'dist_train.sh exit {code}:\n{tail}')
    with open(osp.join(work, 'dist.log')) as f:
        log = f.read()
    # the process group's backend, as the run's config dump states it
    found = re.findall(r"dist_cfg=dict\(backend='(\w+)'", log)
    return dict(distributed='Distributed training: True' in log,
                backend=found[-1] if found else 'unknown',
                finished='Iter(train)' in log)


# ---------------------------------------------------------------------------
# 5. segmentation and detection fine-tuning on the device
# ---------------------------------------------------------------------------
def part_finetune(args, work) -> dict:
    from splitmask_mm.stack import missing_libraries
    missing = missing_libraries(['mmseg', 'mmdet'])
    if missing:
        return dict(skipped=f'{", ".join(missing)} or mmcv\'s compiled '
                    'operators are not installed here (mmcv-lite): '
                    'segmentation and detection fine-tuning not checked')
    report = {}
    if args.device == 'cuda':
        import torch
        from mmcv.ops import nms
        try:
            nms(torch.zeros(1, 4, device='cuda'),
                torch.zeros(1, device='cuda'), 0.5)
        except Exception as e:
            return dict(skipped='mmcv has no CUDA operators (built without '
                        f'them): {type(e).__name__}: {str(e)[:200]}')
    from splitmask_mm.digit_scenes import write_digit_scenes
    data = osp.join(work, 'digit_scenes')
    write_digit_scenes(data, num_train=32, num_val=8, log=lambda m: None)
    data += '/'
    for task, config in (('upernet', 'upernet_vit-tiny-p8_digits.py'),
                         ('maskrcnn', 'maskrcnn_vit-tiny-p8_digits.py')):
        iters = 4 if args.quick else 20
        options = [
            f'{split}_dataloader.dataset.data_root={data}'
            for split in ('train', 'val', 'test')] + [
            'model.backbone.init_cfg=None', f'train_cfg.max_iters={iters}',
            f'train_cfg.val_interval={iters}',
            f'default_hooks.checkpoint.interval={iters}',
            'default_hooks.logger.interval=1']
        if task == 'maskrcnn':
            ann = data + 'annotations/instances_val2017.json'
            options += [f'val_evaluator.ann_file={ann}',
                        f'test_evaluator.ann_file={ann}']
        start = time.time()
        code, tail = run(
            [sys.executable, osp.join(TOOLS, 'train.py'),
             osp.join(ROOT, 'configs', 'study', config), '--work-dir',
             osp.join(work, task), '--cfg-options'] + options,
            timeout=args.part_timeout / 2,
            log_path=osp.join(work, f'{task}.log'))
        report[task] = dict(ok=code == 0, seconds=round(time.time() - start))
        if code != 0:
            report[task]['error'] = tail[-1500:]
    return report


# ---------------------------------------------------------------------------
def run_part(args) -> None:
    """In a child process: one part, its result as JSON on the last line."""
    work = osp.join(args.out, args.part)
    os.makedirs(work, exist_ok=True)
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    result = globals()[f'part_{args.part}'](args, work)
    print('RESULT ' + json.dumps(result))


def summary(report: dict) -> str:
    lines = [f'device check ({report["device"]}'
             f'{", quick" if report["quick"] else ""}), '
             f'{report["minutes"]:.1f} min']
    for part, r in report['parts'].items():
        if r['status'] != 'ok':
            lines.append(f'- {part}: {r["status"].upper()} ({r["seconds"]} '
                         f's): {r.get("error", "")[-300:]}')
            continue
        res = r['result']
        if part == 'env':
            lines.append(
                f'- env: {res.get("gpu", "CPU")} '
                f'{res.get("gpu_memory_gb", "")} GB, torch {res["torch"]}, '
                f'CUDA {res.get("cuda")}, cuDNN {res.get("cudnn")}, mmcv '
                f'{res["mmcv"]} ({res["mmcv_ops"]}; ops on device: '
                f'{res["mmcv_ops_on_device"]}), bf16 matmul '
                f'{res["bf16_matmul_tflops"]} TFLOP/s')
        elif part in ('bench', 'compile'):
            env = report['parts'].get('env', {}).get('result', {})
            measured = env.get('bf16_matmul_tflops')
            lines.append(f'- {part}: ViT-{res["arch"].upper()}, batch '
                         f'{res["batch"]}, bf16 (MFU against the data-sheet '
                         f'peak; in brackets against the measured matmul '
                         f'rate, {measured} TFLOP/s)')
            for method, m in res['methods'].items():
                mfu = f'{m["mfu"] * 100:.1f}%' if m.get('mfu') else '-'
                if measured:
                    mfu += f' ({m["tflops_per_s"] / measured * 100:.1f}%)'
                ratio = f'{m["ratio_to_beit"]:.2f}x BEiT' \
                    if m.get('ratio_to_beit') else ''
                eager = report['parts'].get('bench', {}).get(
                    'result', {}).get('methods', {}).get(method)
                if part == 'compile' and eager:
                    ratio += f', {eager["step_s"] / m["step_s"]:.2f}x ' \
                        'faster than eager'
                lines.append(
                    f'    {method}: {m["step_s"]:.3f} s/step, '
                    f'{m["img_per_s"]:.0f} img/s, {m["peak_mem_mb"]:.0f} MB, '
                    f'{m["tflops_per_s"]:.1f} TFLOP/s, MFU {mfu} {ratio}')
        elif part == 'train':
            lines.append(
                f'- train: {res["iterations"]} it in {res["minutes"]} min, '
                f'loss {res["loss_first"]:.3f} -> {res["loss_last"]:.3f} '
                f'(finite {res["losses_finite"]}, falling '
                f'{res["losses_falling"]}), checkpoint {res["checkpoint"]}, '
                f'pre-empted exit {res["preempted_exit_code"]}, resumed == '
                f'uninterrupted: {res["resumed_equals_uninterrupted"]} '
                f'(max |dw| {res["resume_max_abs_weight_diff"]:.2e})')
        elif part == 'dist':
            lines.append(f'- dist: torchrun 1 process, backend '
                         f'{res["backend"]}, finished {res["finished"]}')
        elif part == 'finetune':
            if 'skipped' in res:
                lines.append(f'- finetune: skipped: {res["skipped"]}')
            else:
                lines.append('- finetune: ' + ', '.join(
                    f'{k} {"ok" if v["ok"] else "FAILED"} ({v["seconds"]} s)'
                    for k, v in res.items()))
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    parts = [p.strip() for p in args.parts.split(',') if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f'unknown parts {sorted(unknown)}; choose from '
                         f'{PARTS}')
    # each part's share of the budget (the benchmark and the training
    # runs take most of it)
    share = dict(env=0.06, bench=0.2, compile=0.28, train=0.26, dist=0.08,
                 finetune=0.12)
    if args.part:
        args.part_timeout = args.budget_s * share[args.part]
        run_part(args)
        return
    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    report = dict(device=args.device, quick=args.quick, parts={})
    for part in parts:
        t0 = time.time()
        timeout = args.budget_s * share[part] + 30
        print(f'[device check] {part} (limit {timeout:.0f} s)', flush=True)
        cmd = [sys.executable, osp.abspath(__file__), '--out', args.out,
               '--device', args.device, '--part', part, '--budget-s',
               str(args.budget_s)] + (['--quick'] if args.quick else [])
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True,
                                  timeout=timeout, env=env(), cwd=ROOT)
            lines = [line for line in proc.stdout.splitlines()
                     if line.startswith('RESULT ')]
            if proc.returncode == 0 and lines:
                entry = dict(status='ok', result=json.loads(lines[-1][7:]))
            else:
                entry = dict(status='failed', error=proc.stdout[-3000:])
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else \
                (e.stdout or '')
            entry = dict(status='timeout', error=out[-3000:])
        except Exception:
            entry = dict(status='failed', error=traceback.format_exc())
        entry['seconds'] = round(time.time() - t0)
        report['parts'][part] = entry
        print(f'[device check] {part}: {entry["status"]} in '
              f'{entry["seconds"]} s', flush=True)
        report['minutes'] = (time.time() - start) / 60
        with open(osp.join(args.out, 'device_check.json'), 'w') as f:
            json.dump(report, f, indent=2)
    text = summary(report)
    with open(osp.join(args.out, 'device_check.txt'), 'w') as f:
        f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()

"""What vl2lite costs on a GPU: teacher images/s in the cache fill, student images/s for CE and each method, GPU memory,
and the ratio to the same student trained by a plain timm/PyTorch loop on the same files.

    python benchmarks/gpu_check.py --data FOLDER [--device cuda] [--steps 200] [--bs 128] [--teacher ViT-B-32] [--size 224] [--out results/gpu_check.json]

Run by benchmarks/gpu_check.sh (which installs and makes the synthetic folder). Teacher: open_clip ViT-B-32 with random
weights (the compute of the real one); student: ResNet-18 (random), 224 px (`--size`), bf16 autocast on CUDA (fp32 on CPU),
DataLoader workers = min(8, cores). Each method runs through `vl2lite.run.distill` (what the command line calls) for
`--steps` training steps after 10 warm-up steps, 10% of the training images labelled (DHO learns from the rest too); images/s = images a step / median seconds a step. The plain loop reads
the same files with torchvision's PIL transforms (RandomResizedCrop, flip, normalise), the same batch, optimiser
(AdamW) and precision.
"""
import argparse, json, os, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
METHODS = ('ce', 'vl2lite', 'dho', 'ood')


class Steps:
    "A fastai callback (built lazily) that times `n` training steps after `warm` and then stops the fit."
    def __new__(cls, n, warm):
        from fastai.callback.core import Callback, CancelFitException
        class _Steps(Callback):
            order = 99
            def __init__(self): self.times, self.images = [], 0
            def before_batch(self):
                if self.training:
                    if self.dls.device.type == 'cuda': torch.cuda.synchronize()
                    self.t, self.images = time.perf_counter(), len(self.learn.xb[0])
            def after_step(self):
                if self.dls.device.type == 'cuda': torch.cuda.synchronize()
                self.times.append(time.perf_counter() - self.t)
                if len(self.times) >= n + warm: raise CancelFitException
        return _Steps()


def plain_loop(data, device, bs, steps, warm, workers, amp, size=224):
    "Images/s of ResNet-18 trained by a plain PyTorch loop (torchvision PIL transforms, AdamW, CE, autocast)."
    import timm
    import torchvision.transforms as T
    from torchvision.datasets import ImageFolder
    tf = T.Compose([T.RandomResizedCrop(size, scale=(0.35, 1)), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    ds = ImageFolder(Path(data)/'train', tf)
    dl = torch.utils.data.DataLoader(ds, batch_size=bs, shuffle=True, num_workers=workers, pin_memory=device.type == 'cuda',
                                     drop_last=True, persistent_workers=workers > 0)
    model = timm.create_model('resnet18', pretrained=False, num_classes=len(ds.classes)).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    times, done = [], False
    while not done:
        for x, y in dl:
            t = time.perf_counter()
            x, y = x.to(device, non_blocking=True).to(memory_format=torch.channels_last), y.to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
            if device.type == 'cuda': torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
            if len(times) >= steps + warm: done = True; break
    return bs / float(np.median(times[warm:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', required=True)
    ap.add_argument('--device', default='cuda')
    ap.add_argument('--steps', type=int, default=200)
    ap.add_argument('--warm', type=int, default=10)
    ap.add_argument('--bs', type=int, default=128)
    ap.add_argument('--teacher', default='ViT-B-32', help='open_clip architecture (random weights)')
    ap.add_argument('--size', type=int, default=224, help="the student's image size")
    ap.add_argument('--methods', nargs='+', default=list(METHODS))
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'gpu_check.json'))
    a = ap.parse_args()
    from vl2lite.core import seed_everything
    from vl2lite.data import scan_folder
    from vl2lite.teacher import OpenCLIPTeacher
    from vl2lite.cache import TeacherCache
    from vl2lite.run import distill
    device = torch.device(a.device)
    cuda = device.type == 'cuda'
    amp, precision = cuda and torch.cuda.is_bf16_supported(), 'bf16' if cuda and torch.cuda.is_bf16_supported() else 'fp32'
    workers = min(8, os.cpu_count() or 1)
    res = dict(device=torch.cuda.get_device_name(0) if cuda else 'cpu', torch=torch.__version__, teacher=f'open_clip {a.teacher} (random)',
               student='resnet18 (random)', size=a.size, bs=a.bs, steps=a.steps, precision=precision, workers=workers)
    cache_dir = tempfile.mkdtemp(prefix='vl2lite_gpu_cache_')
    table = scan_folder(a.data, verify=False)
    seed_everything(0)   # the same random teacher as `distill` loads below (it seeds with the job's seed first)
    teacher = OpenCLIPTeacher(a.teacher, None, device=device)
    cache = TeacherCache(teacher, table, root=cache_dir, num_workers=workers, bs=a.bs, precision=precision)
    if cuda: torch.cuda.synchronize()
    t0 = time.perf_counter(); cache.fill(show_progress=False)
    if cuda: torch.cuda.synchronize()
    res['teacher_fill_img_s'] = round(len(table) / (time.perf_counter() - t0), 1)
    res['teacher_fill_images'] = len(table)
    del teacher, cache
    res['methods'] = {}
    for m in a.methods:
        if cuda: torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
        st = Steps(a.steps, a.warm)
        with tempfile.TemporaryDirectory() as out:
            try: distill(data=a.data, teacher=f'openclip:{a.teacher}', student='resnet18', method=m, pretrained='no', size=a.size, bs=a.bs,
                    epochs=1000, fraction=0.1, templates=('simple',), out=out, cache_dir=cache_dir, device=a.device,
                    precision=precision, num_workers=workers, channels_last=cuda, report=False, show_progress=False, cbs=[st])
            except FileNotFoundError:   # stopped inside the first epoch: no best epoch to load back, and nothing more to measure
                if len(st.times) < a.steps + a.warm: raise
        sec = float(np.median(st.times[a.warm:]))
        res['methods'][m] = dict(img_s=round(st.images / sec, 1), s_per_step=round(sec, 4), images_per_step=st.images,
                                 gpu_mem_gb=round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None)
        print(m, res['methods'][m], flush=True)
    res['plain_loop_img_s'] = round(plain_loop(a.data, device, a.bs, a.steps, a.warm, workers, amp, a.size), 1)
    for m, r in res['methods'].items(): r['x_plain_loop'] = round(r['img_s'] / res['plain_loop_img_s'], 3)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()

"""What a distillation step costs next to a CE step, with the teacher cache filled.

    VL2LITE_DATA=../shared/data python benchmarks/kd_cost.py [--steps 40] [--threads 2]

Same student (ImageNet-pretrained EfficientNet-Lite0), data (clothing, 10% of the labels; the rest unlabelled), batch
(64) and size (64 px) for every row; images decoded once and kept in memory (`preload`), as the benchmarks train; each
learner is the method's own from the registry (`runner.train`'s setup), with the job's options. For each method:
seconds per training step (median over `--steps` steps after 5 warm-up steps, timed by a callback; `--repeats`
measurements of each method, the order rotated each time, reported as mean ± sample std over the repeats) and
the images each step learns from, counted in the batch the model sees (DHO adds a batch of unlabelled images to
each labelled one, so its cost is also given per image). `pipeline` is the data loader alone (no model). Results:
benchmarks/results/kd_cost.json and kd_cost.md. The committed results were measured by this script's previous version,
whose CE, logit-KD and VL2Lite rows stepped over every training image rather than the 10% cycled (a step's cost does
not depend on which images it holds).
"""
import argparse, json, sys, time, warnings
from pathlib import Path
import numpy as np
import torch
import fastai.callback.progress  # Learner.no_bar
from fastai.callback.core import Callback, CancelFitException
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.core import seed_everything
from vl2lite.data import scan_folder, clothing_path, table_dls, labelled_split
from vl2lite.teacher import load_teacher
from vl2lite.cache import TeacherCache
from vl2lite.methods.registry import DistillSetup, get_method, job_options
from runner import settings, markdown, TEMPLATES
from tables import mean_std

warnings.filterwarnings('ignore')
STATS = ((0.5,) * 3, (0.5,) * 3)


class StepTimer(Callback):
    "Wall time of each training step (before_batch to after_step) and the images it learns from, stopping the fit after `n` timed steps."
    order = 99
    def __init__(self, n, warmup=5): self.n, self.warmup, self.times, self.images = n, warmup, [], 0
    def before_batch(self):
        if self.training: self.t, self.images = time.perf_counter(), len(self.learn.xb[0])   # after the method's own batch callbacks
    def after_step(self):
        self.times.append(time.perf_counter() - self.t)
        if len(self.times) >= self.n + self.warmup: raise CancelFitException


METHODS = ('ce', 'logit_kd', 'vl2lite', 'dho')


def step_cost(table, teacher, cache, lab, unlab, method, a) -> tuple:
    "(median seconds per training step over `a.steps` steps after 5 warm-up steps, images per step) of `method`'s learner."
    st = settings('tf_efficientnet_lite0_in1k', a, 0)
    s = DistillSetup(table, teacher, cache, 'tf_efficientnet_lite0', method, list(table.vocab), TEMPLATES, st, train_idx=lab, unlab_idx=unlab,
                     options=job_options(method))
    seed_everything(0)
    learn = get_method(method).build(s)
    tm = StepTimer(a.steps)
    with learn.no_bar(), learn.no_logging(): learn.fit(100, 1e-3, cbs=tm)
    return float(np.median(tm.times[tm.warmup:])), tm.images


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=40)
    ap.add_argument('--repeats', type=int, default=3, help='measurements of every method, in a rotated order each time')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'kd_cost.json'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    table = scan_folder(clothing_path())
    teacher = load_teacher('conse:lite2')
    cache = TeacherCache(teacher, table).fill()
    lab, unlab = labelled_split(table, 0.1, seed=0)
    dls = table_dls(table, size=64, bs=64, num_workers=0, preload=True, stats=STATS)   # the data pipeline alone
    t0 = time.perf_counter()
    for i, b in enumerate(dls.train):
        if i + 1 >= a.steps: break
    pipeline = round((time.perf_counter() - t0) / (i + 1), 3)
    a.size, a.preload = 64, 1
    runs = {m: [] for m in METHODS}   # per repeat: (seconds per step, images per step)
    for r in range(a.repeats):
        for method in METHODS[r % len(METHODS):] + METHODS[:r % len(METHODS)]:   # a slow drift of the machine spread over every method
            runs[method].append(step_cost(table, teacher, cache, lab, unlab, method, a))
            print(f"repeat {r + 1}: {method} {runs[method][-1][0]:.3f} s a step, {runs[method][-1][1]} images", flush=True)
    ce = [sec for sec, _ in runs['ce']]
    rows = [dict(method='pipeline (data only)', s_per_step=[pipeline], images_per_step=64)]
    for m in METHODS:
        secs, n = [sec for sec, _ in runs[m]], runs[m][0][1]
        rows.append(dict(method=m, s_per_step=secs, images_per_step=n, x_ce_step=[x / c for x, c in zip(secs, ce)],
                         x_ce_per_image=[x / n / (c / 64) for x, c in zip(secs, ce)]))
    Path(a.out).write_text(json.dumps(dict(rows=rows, steps=a.steps, repeats=a.repeats, threads=a.threads), indent=1))
    print(markdown(Path(a.out).with_suffix('.md'), ['method', 's / step', 'images / step', 'x CE per step', 'x CE per image'],
                   [[r['method'], mean_std(r['s_per_step'], 3), r['images_per_step'], mean_std(r.get('x_ce_step', []), 2),
                     mean_std(r.get('x_ce_per_image', []), 2)] for r in rows]))


if __name__ == '__main__':
    main()

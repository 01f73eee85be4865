"""Teacher cost on this machine: encoding throughput, and one KD epoch with a cached vs an on-the-fly teacher.

    VL2LITE_DATA=../shared/data python benchmarks/teacher_speed.py [--subset 640] [--out benchmarks/results/teacher_speed.json]

Prints a table and writes the numbers as JSON. Protocol: images/s of `Teacher.encode_images` on real
clothing images (teacher's own preprocessing, batch 32, 2 loader workers, the first batch excluded as
warm-up); then one training epoch of a mobilenetv3_small_100 student (128 px, batch 64) on a fixed
`--subset` of the training split with the cosine feature-KD term, its teacher embeddings coming either
from a filled `TeacherCache` or from the teacher run on every augmented batch. open_clip architectures
are timed with random weights (their speed does not depend on the weights).
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np
import torch
from fastai.learner import Learner
from fastai.callback.core import Callback
import fastai.callback.progress  # Learner.no_bar
from fastai.losses import CrossEntropyLossFlat
from vl2lite.core import Student, seed_everything
from vl2lite.data import scan_folder, clothing_path, table_dls, ItemIndex
from vl2lite.teacher import ConSETeacher, OpenCLIPTeacher, image_loader
from vl2lite.cache import TeacherCache, CachedTeacher, OnTheFlyTeacher
from vl2lite.callbacks import TeacherEmbeddings, CosineFeatureKD


class TrainTimer(Callback):
    "Wall time of the training phase of each epoch (validation excluded)."
    def before_train(self): self.t0 = time.perf_counter()
    def after_train(self): self.seconds = time.perf_counter() - self.t0


def encode_rate(teacher, paths, bs=32, workers=2):
    "Images per second of teacher.encode_images over `paths`, the first batch being warm-up."
    dl = image_loader(paths, teacher.preprocess, bs=bs, num_workers=workers)
    n, t = 0, None
    for i, x in enumerate(dl):
        if i == 1: t = time.perf_counter()
        teacher.encode_images(x)
        if i >= 1: n += len(x)
    return n / (time.perf_counter() - t)


def kd_epoch(table, teacher, source, subset_idx, seed=0):
    seed_everything(seed)
    dls = table_dls(table, size=128, bs=64, train_idx=subset_idx, valid_idx=table.idxs('valid')[:64], num_workers=2)
    st = Student('mobilenetv3_small_100', n_classes=len(table.vocab)); st.add_head('proj', teacher.embed_dim)
    src = CachedTeacher(source) if isinstance(source, TeacherCache) else OnTheFlyTeacher(teacher, dls.norm_stats)
    timer = TrainTimer()
    learn = Learner(dls, st, loss_func=CrossEntropyLossFlat(), cbs=[ItemIndex(), TeacherEmbeddings(src), CosineFeatureKD(), timer])
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return timer.seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--subset', type=int, default=640, help='training images in the timed KD epoch')
    ap.add_argument('--n-encode', type=int, default=256, help='images for the ConSE throughput')
    ap.add_argument('--out', default='benchmarks/results/teacher_speed.json')
    a = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    table = scan_folder(clothing_path())
    train = table.idxs('train')
    rng = np.random.default_rng(0)
    subset = np.sort(rng.choice(train, a.subset, replace=False))
    res = dict(machine=f"{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}", rates={}, kd_epoch={})
    paths = [table.paths[i] for i in train[:a.n_encode]]
    t0 = time.perf_counter(); conse = ConSETeacher.from_pretrained_packages('lite2', device='cpu')
    res['conse_build_seconds'] = round(time.perf_counter() - t0, 1)
    res['rates']['conse:lite2 (260 px)'] = round(encode_rate(conse, paths), 2)
    for arch, n in (('ViT-B-32', 128), ('ViT-L-14', 40)):
        oc = OpenCLIPTeacher(arch, None, device='cpu')
        res['rates'][f'openclip:{arch} ({oc.image_size} px, random weights)'] = round(encode_rate(oc, paths[:n], bs=8), 2)
        del oc
    for k, v in res['rates'].items(): print(f'{k:45s} {v:8.2f} images/s', flush=True)
    cache = TeacherCache(conse, table, root=os.environ.get('VL2LITE_CACHE', '~/.cache/vl2lite/teacher'))
    t0 = time.perf_counter(); cache.fill(np.concatenate([subset, table.idxs('valid')[:64]]))
    res['cache_fill_seconds_subset'] = round(time.perf_counter() - t0, 1)
    res['kd_epoch']['cached teacher'] = round(kd_epoch(table, conse, cache, subset), 1)
    res['kd_epoch']['on-the-fly teacher'] = round(kd_epoch(table, conse, conse, subset), 1)
    res['kd_epoch']['ratio on-the-fly / cached'] = round(res['kd_epoch']['on-the-fly teacher'] / res['kd_epoch']['cached teacher'], 2)
    res['kd_epoch']['images'] = int(a.subset)
    print(f"\nOne KD epoch, mobilenetv3_small_100 student, 128 px, {a.subset} images, teacher conse:lite2")
    print(f"| teacher source | seconds | images/s |\n|---|---|---|")
    for k in ('cached teacher', 'on-the-fly teacher'):
        print(f"| {k} | {res['kd_epoch'][k]} | {a.subset / res['kd_epoch'][k]:.1f} |")
    print(f"ratio on-the-fly / cached: {res['kd_epoch']['ratio on-the-fly / cached']}x")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1))
    print('wrote', a.out)


if __name__ == '__main__': main()

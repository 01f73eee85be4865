"""How the costs of a run grow with the dataset: synthetic folders of 1k, 10k and 100k photo-sized JPEG files at 224 px.

    VL2LITE_DATA=../shared/data python benchmarks/scale.py make      # the folders (benchmarks/synthetic.py), in --root
    VL2LITE_DATA=../shared/data python benchmarks/scale.py pipeline  # images/s of the data pipeline, 0/1/2 workers
    VL2LITE_DATA=../shared/data python benchmarks/scale.py run       # per N: cache fill, cache open, vl2lite distill, step costs
    python benchmarks/scale.py cache1m                               # the cache alone at 1M entries (512-d, synthetic)
    python benchmarks/scale.py report                                # results/scale.md and results/scale.png

What is measured is the pipeline, not the teacher: the teacher is a small random open_clip ViT at 224 px
(`vl2lite-scale-vit`: patch 32, 2 layers, width 128, 64-d embeddings), the student a random MobileNetV3-Small-050, batch
32, 10% of the training images labelled (DHO adds the other 90% as unlabelled images), torch threads = cores (2 here).
Images are read from disk by DataLoader workers (streaming; the files are in the page cache after the first pass:
disk reads are not measured). Each cost is measured in a fresh process where memory or start-up is measured
(peak memory is sampled every 0.25 s over the process and its DataLoader workers: the sum of their PSS, each
shared page divided among the processes that map it, which is what the run takes from the machine; and the sum of
their RSS, an upper bound that counts shared pages once per process). Step costs are
medians over `--steps` timed steps after 5 warm-up steps, `--repeats` times in a rotated order (mean ± sample std).
Results: benchmarks/results/scale.jsonl (one row per measurement), scale.md, scale.png.
The committed results of `run` were measured with the teacher cache stored in float16 (the default then; float32 now,
which doubles the cache's disk and page-cache size and leaves the rest of what is measured here as it is), and before
the last changes to the data pipeline (the path index, the dispatch and the workers' plain image tensors), which
`pipeline` was re-run for.
"""
import argparse, contextlib, json, os, subprocess, sys, threading, time, warnings
from pathlib import Path
import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE/'results'
OUT = RESULTS/'scale.jsonl'
SIZES = (1000, 10000, 100000)
TEACHER_CFG = {'embed_dim': 64, 'vision_cfg': {'image_size': 224, 'layers': 2, 'width': 128, 'head_width': 64, 'patch_size': 32},
               'text_cfg': {'context_length': 32, 'vocab_size': 49408, 'width': 64, 'heads': 2, 'layers': 1}}
TEACHER = 'openclip:vl2lite-scale-vit'
STUDENT = 'mobilenetv3_small_050'
METHODS = ('ce', 'vl2lite', 'dho', 'ood')
MARK = 'scale.py result: '
warnings.filterwarnings('ignore')


def folder(a, n) -> Path: return Path(a.root)/f'n{n}'


def save(row: dict) -> dict:
    "Append one measurement to the results file and print it."
    RESULTS.mkdir(exist_ok=True)
    with open(OUT, 'a') as f: f.write(json.dumps(row) + '\n')
    print(json.dumps(row), flush=True)
    return row


def register():
    from vl2lite.teacher import register_tiny_openclip
    register_tiny_openclip('vl2lite-scale-vit', TEACHER_CFG)


class Memory(threading.Thread):
    """Peak memory of this process and its children (DataLoader workers), sampled every `dt` seconds: the sum of their
    PSS (proportional set size: each shared page divided among the processes that map it, so the sum is what the run
    takes from the machine) and the sum of their RSS (shared pages counted once per process: an upper bound)."""
    def __init__(self, dt=0.25):
        super().__init__(daemon=True)
        import psutil
        self.p, self.dt, self.rss, self.pss, self.stop = psutil.Process(), dt, 0, 0, False
        self.start()
    def run(self):
        while not self.stop:
            rss = pss = 0
            for q in [self.p] + self.p.children(recursive=True):
                try: m = q.memory_full_info(); rss += m.rss; pss += m.pss
                except Exception: pass
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            time.sleep(self.dt)
    def mb(self): return dict(peak_pss_mb=round(self.pss / 2**20), peak_rss_sum_mb=round(self.rss / 2**20))


def child(what: str, **kw) -> dict:
    "Run `what` in a fresh Python process; its result is the JSON on the stdout line that starts with `MARK`."
    r = subprocess.run([sys.executable, __file__, '_child', what, json.dumps(kw)], capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f"{what} failed:\n{r.stderr[-3000:]}")
    return json.loads(next(l for l in reversed((r.stdout + '\n' + r.stderr).splitlines()) if l.startswith(MARK))[len(MARK):])


# ---------------------------------------------------------------- the measurements (each in its own process)

def c_fill(root, cache_dir, threads):
    "A first run: scan the folder (every file decoded once to check it), then fill a fresh teacher cache: seconds, images/s, peak memory."
    import torch
    torch.set_num_threads(threads)
    register()
    from vl2lite.data import scan_folder
    from vl2lite.teacher import load_teacher
    from vl2lite.cache import TeacherCache
    from vl2lite.core import seed_everything
    from vl2lite.data import _memo
    with contextlib.suppress(FileNotFoundError): os.remove(_memo(root))   # a first run: every file checked
    mem, t0 = Memory(), time.perf_counter()
    table = scan_folder(root)
    t1 = time.perf_counter()
    seed_everything(0)
    c = TeacherCache(load_teacher(TEACHER), table, root=cache_dir, num_workers=2).fill(show_progress=False)
    s = time.perf_counter() - t1
    return dict(scan_s=round(t1 - t0, 1), fill_s=round(s, 1), fill_img_s=round(len(table) / s, 1),
                disk_mb=round(sum(f.stat().st_size for f in c.dir.iterdir()) / 2**20, 1), **mem.mb())


def c_open(root, cache_dir, threads):
    "Open the filled cache for the folder's table: seconds (identities of the files, index) and memory."
    import psutil
    register()
    from vl2lite.data import scan_folder
    from vl2lite.teacher import load_teacher
    from vl2lite.cache import TeacherCache
    from vl2lite.core import seed_everything
    table = scan_folder(root, verify=False)
    seed_everything(0)
    t = load_teacher(TEACHER)
    p = psutil.Process(); m0 = p.memory_info()
    t0 = time.perf_counter()
    c = TeacherCache(t, table, root=cache_dir)
    s = time.perf_counter() - t0
    m1 = p.memory_info()
    assert not len(c.missing())
    return dict(open_s=round(s, 2), open_rss_mb=round((m1.rss - m0.rss) / 2**20, 1))


def c_distill(root, cache_dir, threads, steps, method):
    "`vl2lite distill` (the library call the command line makes) at 224 px: seconds to the first step, s/step, peak memory."
    import torch, psutil
    from fastai.callback.core import Callback, CancelFitException
    torch.set_num_threads(threads)
    register()
    from vl2lite.run import distill
    start = psutil.Process().create_time()
    mem = Memory()

    class Steps(Callback):
        order = 99
        def __init__(self): self.first, self.times = None, []
        def before_batch(self):
            if not self.training: return
            if self.first is None: self.first = time.time() - start
            self.t = time.perf_counter()
        def after_step(self):
            self.times.append(time.perf_counter() - self.t)
            if len(self.times) >= steps: raise CancelFitException
    st = Steps()
    import tempfile
    with tempfile.TemporaryDirectory() as out:
        try: distill(data=root, teacher=TEACHER, student=STUDENT, method=method, pretrained='no', size=224, bs=32, epochs=1000, fraction=0.1,
                     templates=('simple',), out=out, cache_dir=cache_dir, report=False, show_progress=False, cbs=[st])
        except FileNotFoundError:   # stopped inside the first epoch: no best epoch to load back, and nothing more to measure
            if len(st.times) < steps: raise
    return dict(first_step_s=round(st.first, 1), s_per_step=round(float(np.median(st.times[5:])), 3), **mem.mb())


def c_steps(root, cache_dir, threads, steps, repeats):
    "Seconds per training step of every method with the filled cache, in one process, `repeats` times in a rotated order."
    import torch
    import fastai.callback.progress  # Learner.no_bar
    from fastai.callback.core import Callback, CancelFitException
    torch.set_num_threads(threads)
    register()
    from vl2lite.core import Settings, seed_everything
    from vl2lite.data import scan_folder, labelled_split
    from vl2lite.teacher import load_teacher
    from vl2lite.cache import TeacherCache
    from vl2lite.methods.registry import DistillSetup, get_method, job_options
    table = scan_folder(root, verify=False)
    seed_everything(0)
    teacher = load_teacher(TEACHER)
    cache = TeacherCache(teacher, table, root=cache_dir)
    lab, unlab = labelled_split(table, 0.1, seed=0)

    class Timer(Callback):
        order = 99
        def __init__(self): self.times, self.images = [], 0
        def before_batch(self):
            if self.training: self.t, self.images = time.perf_counter(), len(self.learn.xb[0])
        def after_step(self):
            self.times.append(time.perf_counter() - self.t)
            if len(self.times) >= steps + 5: raise CancelFitException
    out = {m: [] for m in METHODS}
    for r in range(repeats):
        for m in METHODS[r % len(METHODS):] + METHODS[:r % len(METHODS)]:
            s = Settings(size=224, bs=32, preload=False, num_workers=2, seed=0, pretrained=False)
            setup = DistillSetup(table, teacher, cache, STUDENT, m, list(table.vocab), 'simple', s, train_idx=lab, unlab_idx=unlab,
                                 options=job_options(m))
            seed_everything(0)
            learn = get_method(m).build(setup)
            tm = Timer()
            with learn.no_bar(), learn.no_logging(): learn.fit(100, 1e-3, cbs=tm)
            out[m].append((float(np.median(tm.times[5:])), tm.images))
            print(m, out[m][-1], file=sys.stderr, flush=True)
    return out


def c_cache1m(folder_, n, dim, role):
    "The cache alone at `n` entries: 'write' the store, or 'open' it (seconds, memory; then read 50 random batches)."
    import psutil
    from vl2lite.cache import CacheStore
    keys = np.random.default_rng(7).integers(0, 2**63, size=n, dtype=np.uint64)   # random, like the sha1 keys of real files
    p = psutil.Process(); m0 = p.memory_info()
    if role == 'write':
        rng, st, t0 = np.random.default_rng(0), CacheStore(folder_, 1, dim, dtype='float16'), time.perf_counter()
        for i in range(0, n, 100_000):
            k = min(100_000, n - i)
            st.add(keys[i:i + k], rng.standard_normal((k, 1, dim), dtype=np.float32), i)
        st.merge()
        return dict(write_s=round(time.perf_counter() - t0, 1), segments=len(st.names))
    t0 = time.perf_counter()
    st = CacheStore(folder_, 1, dim)
    s = time.perf_counter() - t0
    m1 = p.memory_info()
    rows = st.rows(keys)
    assert (rows >= 0).all()
    t1, rng = time.perf_counter(), np.random.default_rng(1)
    for _ in range(50): st.gather(rows[rng.integers(0, n, 256)])
    look = (time.perf_counter() - t1) / 50
    m2 = p.memory_info()
    return dict(open_s=round(s, 2), open_rss_mb=round((m1.rss - m0.rss) / 2**20, 1),
                after_lookups_anon_mb=round(((m2.rss - m2.shared) - (m0.rss - m0.shared)) / 2**20, 1), batch_lookup_ms=round(1000 * look, 2))


# ---------------------------------------------------------------- the commands

def cmd_make(a):
    from synthetic import build, subset
    big = build(folder(a, max(SIZES)), max(SIZES), valid=200, test=200, workers=a.workers)
    for n in SIZES:
        if n != max(SIZES): subset(big, folder(a, n), n)


def _tfm_rate(paths):
    "Images/s of vl2lite's training transform alone (no DataLoader) over `paths`, in this process, one torch thread."
    import torch
    from vl2lite.data import DecodeResizedCrop
    torch.set_num_threads(1)
    tfm, t0 = DecodeResizedCrop(224, min_scale=0.35), time.perf_counter()
    for p in paths: tfm(p, split_idx=0)
    return len(paths) / (time.perf_counter() - t0)


def ceiling(paths, procs: int) -> float:
    "Images/s of `procs` processes each running the transform alone over `paths`: what the cores give without a DataLoader."
    import multiprocessing as mp
    with mp.get_context('fork').Pool(procs) as pool: return sum(pool.map(_tfm_rate, [paths] * procs))


def cmd_pipeline(a):
    """Images/s of the item pipeline (read, decode, crop, resize, collate) at 224 px with 0/1/2 DataLoader workers: fastai's
    `ImageBlock` + `RandomResizedCrop` against vl2lite's `table_dls`, over the first `--pipeline-images` training images
    of the 10k folder (read once before, so that they are in the page cache) after one warm-up batch. The batch transforms are removed from both (on a GPU they run there, after
    the transfer), and the main process keeps one torch thread, as each worker has: with 0 workers the pipeline then
    runs on one core, and the 2-worker figure says how the work spreads over two. The ceiling: the same transform run
    without a DataLoader by one process and by two at once (no batches, no inter-process transfer): what two cores
    give to two processes on this machine."""
    import torch
    from fastai.data.block import DataBlock, CategoryBlock
    from fastai.data.transforms import IndexSplitter, parent_label
    from fastai.vision.data import ImageBlock
    from fastai.vision.augment import RandomResizedCrop
    from fasttransform import Pipeline
    from vl2lite.data import scan_folder, table_dls
    torch.set_num_threads(1)
    table = scan_folder(folder(a, 10000), verify=False)
    tr = table.idxs('train')[:a.pipeline_images]
    paths = [table.paths[i] for i in tr]
    for p in paths: Path(p).read_bytes()   # into the page cache: disk reads are not what is measured

    def rate(dl):
        dl.after_batch = Pipeline([])
        it, n = iter(dl), 0
        next(it); t0 = time.perf_counter()
        for xb in it: n += len(xb[0])
        return n / (time.perf_counter() - t0)
    for r in range(a.repeats):
        for w in (0, 1, 2):
            fa = DataBlock(blocks=[ImageBlock, CategoryBlock], get_y=parent_label, item_tfms=RandomResizedCrop(224, min_scale=0.35),
                           splitter=IndexSplitter([len(paths) - 1])).dataloaders(paths, bs=32, num_workers=w, device='cpu')
            ours = table_dls(table, size=224, bs=32, train_idx=tr, num_workers=w, device='cpu', batch_tfms=[])
            save(dict(what='pipeline', workers=w, repeat=r, fastai_img_s=round(rate(fa.train), 1), vl2lite_img_s=round(rate(ours.train), 1),
                      threads=1, images=len(tr)))
        save(dict(what='pipeline_ceiling', repeat=r, images=len(tr), one_process_img_s=round(ceiling(paths, 1), 1),
                  two_processes_img_s=round(ceiling(paths, 2), 1)))


def cmd_run(a):
    for n in a.sizes:
        root, cache = str(folder(a, n)), str(Path(a.cache_root)/f'n{n}')
        if 'fill' in a.parts:
            import shutil; shutil.rmtree(cache, ignore_errors=True)
            save(dict(what='fill', n=n, **child('fill', root=root, cache_dir=cache, threads=a.threads)))
        if 'open' in a.parts:
            for r in range(a.repeats): save(dict(what='open', n=n, repeat=r, **child('open', root=root, cache_dir=cache, threads=a.threads)))
        if 'distill' in a.parts:
            for m in a.methods:
                save(dict(what='distill', n=n, method=m, **child('distill', root=root, cache_dir=cache, threads=a.threads, steps=50, method=m)))
        if 'steps' in a.parts:
            res = child('steps', root=root, cache_dir=cache, threads=a.threads, steps=a.steps, repeats=a.repeats)
            for m, rows in res.items():
                save(dict(what='steps', n=n, method=m, s_per_step=[round(s, 4) for s, _ in rows], images=rows[0][1],
                          x_ce_per_image=[round(s / rows[0][1] / (c / res['ce'][0][1]), 3) for (s, _), (c, _) in zip(rows, res['ce'])]))


def cmd_cache1m(a):
    d = Path(a.cache_root)/'store1m'
    import shutil; shutil.rmtree(d, ignore_errors=True)
    save(dict(what='cache1m_write', n=a.n1m, dim=512, **child('cache1m', folder_=str(d), n=a.n1m, dim=512, role='write')))
    for proc in (1, 2):   # the second process opens it while the first's pages are in the page cache
        save(dict(what='cache1m_open', n=a.n1m, dim=512, process=proc, **child('cache1m', folder_=str(d), n=a.n1m, dim=512, role='open')))
    shutil.rmtree(d, ignore_errors=True)


def cmd_report(a):
    "results/scale.md (the tables of benchmarks/tables.py) and results/scale.png (each cost against N, log-log)."
    import tables
    md = tables.scale() + [''] + tables.scale_pipeline() + [''] + tables.scale_cache()
    (RESULTS/'scale.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    series = tables.scale_series()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k, pts in series.items(): ax.plot(*zip(*pts), 'o-', label=k)
    ns = sorted({n for pts in series.values() for n, _ in pts})
    ax.plot(ns, [series['cache fill (s)'][0][1] * n / ns[0] for n in ns], 'k:', lw=1, label='linear in N (from the 1k fill)')
    ax.set(xscale='log', yscale='log', xlabel='training images (N)', ylabel='seconds, or GB',
           title='Costs against dataset size (224 px, 2 CPU cores)')
    ax.grid(True, which='both', alpha=0.3); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(RESULTS/'scale.png', dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('cmd', choices=['make', 'pipeline', 'run', 'cache1m', 'report', '_child'])
    ap.add_argument('rest', nargs='*')
    ap.add_argument('--root', default='/tmp/vl2lite_scale', help='where the synthetic folders are made')
    ap.add_argument('--cache-root', default='/tmp/vl2lite_scale_cache', help='where the measured teacher caches are made')
    ap.add_argument('--sizes', nargs='+', type=int, default=list(SIZES))
    ap.add_argument('--parts', nargs='+', default=['fill', 'open', 'distill', 'steps'])
    ap.add_argument('--methods', nargs='+', default=['vl2lite'], help='methods run through vl2lite distill (time to first step, memory)')
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--pipeline-images', type=int, default=2000)
    ap.add_argument('--n1m', type=int, default=1_000_000)
    a = ap.parse_args()
    sys.path.insert(0, str(HERE))
    if a.cmd == '_child':
        print('\n' + MARK + json.dumps(globals()[f'c_{a.rest[0]}'](**json.loads(a.rest[1]))), file=sys.__stdout__, flush=True)
        return
    globals()[f'cmd_{a.cmd}'](a)


if __name__ == '__main__':
    main()

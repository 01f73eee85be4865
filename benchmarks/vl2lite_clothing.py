"""VL2Lite on the clothing set: students x label fractions x methods x seeds, resumable.

    VL2LITE_DATA=../shared/data python benchmarks/vl2lite_clothing.py run      # runs the missing rows (resumes)
    VL2LITE_DATA=../shared/data python benchmarks/vl2lite_clothing.py report   # mean +- std table from the results
    VL2LITE_DATA=../shared/data python benchmarks/vl2lite_clothing.py costs    # parameters and CPU latency per image

Protocol (the same for every row): teacher = offline ConSE (EfficientNet-Lite2 + all-MiniLM-L6-v2), its
image embeddings cached once, class prompts 'a photo of a {}, a type of clothing.' with the folder names
(the setting chosen on validation by `vl2lite zeroshot`); students at --size px (64 by default, images
decoded once and kept in memory), batch 64, AdamW with fit_one_cycle at --lr; train on the training
split (all labels for --epochs, or a stratified --fraction of them for --epochs-fraction, the rest
unused); the epoch with the best validation accuracy is kept (checkpoint chosen on validation) and
evaluated once on the test split. Each finished run is appended to the JSONL file at once, so an
interrupted benchmark loses at most the run in progress. `--shard I/N` splits the missing rows between
N processes (run each with --threads 1 on a small CPU).
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np
import torch
from fastai.callback.tracker import SaveModelCallback
import fastai.callback.progress  # Learner.no_bar
from fastai.callback.schedule import fit_one_cycle  # Learner.fit_one_cycle
from vl2lite.core import seed_everything, Student
from vl2lite.data import scan_folder, clothing_path, table_dls, labelled_split, items_dl
from vl2lite.teacher import ConSETeacher
from vl2lite.cache import TeacherCache, zero_shot_eval
from vl2lite.methods.vl2lite import vl2lite_learner

METHODS = {  # name -> vl2lite_learner arguments
    'ce': dict(method='ce'),
    'logit_kd': dict(method='logit_kd'),
    'vl2lite_pairwise': dict(method='vl2lite', vis_mode='pairwise'),
    'vl2lite_pointwise': dict(method='vl2lite', vis_mode='pointwise'),
    'vl2lite_txt_only': dict(method='vl2lite', vis_weight=0.),
    'vl2lite_vis_only': dict(method='vl2lite', txt_weight=0.),
    # variants for choosing the loss form on the validation split
    'vl2lite_official_text': dict(method='vl2lite', official_text=True),
    'vl2lite_txt_only_official': dict(method='vl2lite', vis_weight=0., official_text=True),
    'vl2lite_norm_student': dict(method='vl2lite', normalize_student=True),
    'vl2lite_norm_official_text': dict(method='vl2lite', normalize_student=True, official_text=True),
    'vl2lite_official_all': dict(method='vl2lite', vis_mode='pointwise', official_text=True, schedule='official'),
}
GRID = ['ce', 'logit_kd', 'vl2lite_pairwise', 'vl2lite_pointwise', 'vl2lite_txt_only', 'vl2lite_vis_only']
STUDENTS = {  # name -> (timm arch, pretrained, normalisation stats)
    'mobilenetv3_small_100': ('mobilenetv3_small_100', False, None),
    'tf_efficientnet_lite0_in1k': ('tf_efficientnet_lite0', 'pypi', ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))),
    'resnet18': ('resnet18', False, None),
}
TEMPLATES = 'clothing'


def key(r): return (r['student'], r['fraction'], r['method'], r['seed'])


def load(out):
    p = Path(out)
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.exists() else []


def run_one(table, teacher, cache, student, fraction, method, seed, a):
    arch, pretrained, stats = STUDENTS[student]
    train_idx = table.idxs('train') if fraction >= 1 else labelled_split(table, fraction, seed=seed)[0]
    epochs = a.epochs if fraction >= 1 else a.epochs_fraction
    seed_everything(seed)
    kw = dict(stats=stats) if stats else {}
    dls = table_dls(table, size=a.size, bs=64, train_idx=train_idx, num_workers=a.workers, preload=a.preload, **kw)
    learn = vl2lite_learner(dls, arch, teacher, pretrained=pretrained, templates=TEMPLATES, cache=cache,
                            log_valid_kd=False, path=a.tmp, **METHODS[method])
    fname = f'bench_{os.getpid()}'
    t0 = time.time()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(epochs, a.lr, cbs=SaveModelCallback(monitor='accuracy', fname=fname, with_opt=False))
        secs = time.time() - t0
        accs = [float(v[2]) for v in learn.recorder.values]      # train_loss, valid_loss, accuracy per epoch
        best = int(np.argmax(accs))
        test_dl = items_dl(dls, table, table.idxs('test'))
        preds, targs = learn.get_preds(dl=test_dl)                # the best-validation checkpoint, reloaded after fit
    test_acc = float((preds.argmax(-1) == targs).float().mean())
    return dict(student=student, fraction=fraction, method=method, seed=seed, epochs=epochs, size=a.size, lr=a.lr,
                n_train=int(len(train_idx)), best_epoch=best + 1, valid_acc=accs[best], test_acc=test_acc,
                valid_curve=accs, seconds=round(secs, 1))


def setup(a):
    "The clothing table, the offline teacher and its filled cache, with `a.threads` torch threads."
    torch.set_num_threads(a.threads or os.cpu_count() or 1)
    table = scan_folder(clothing_path())
    teacher = ConSETeacher.from_pretrained_packages('lite2')
    return table, teacher, TeacherCache(teacher, table).fill()


def pending(a, todo, key):
    "The rows of `todo` this shard (`a.shard` = 'I/N') still has to run, re-reading `a.out` before each."
    shard, n_shards = map(int, a.shard.split('/'))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    for j, k in enumerate(todo):
        if j % n_shards == shard and k not in {key(r) for r in load(a.out)}: yield k   # another shard may have run it


def cmd_run(a):
    table, teacher, cache = setup(a)
    todo = [(st, fr, m, sd) for st in a.students for fr in a.fractions for sd in a.seeds for m in a.methods]
    for student, fraction, method, seed in pending(a, todo, key):   # students in turn: finished students have complete tables
        r = run_one(table, teacher, cache, student, fraction, method, seed, a)
        with open(a.out, 'a') as f: f.write(json.dumps(r) + '\n')
        print(f"{student:28s} frac {fraction:4} seed {seed} {method:18s} valid {r['valid_acc']:.3f} "
              f"test {r['test_acc']:.3f} (epoch {r['best_epoch']}/{r['epochs']}, {r['seconds']:.0f} s)", flush=True)


def cmd_report(a):
    rows = load(a.out)
    if not rows: print('no results yet in', a.out); return
    groups = {}
    for r in rows:
        if r['method'] in a.methods: groups.setdefault((r['student'], r['fraction'], r['method']), []).append(r)
    ce = {(r['student'], r['fraction'], r['seed']): r['test_acc'] for r in rows if r['method'] == 'ce'}
    print("| student | labels | method | seeds | valid acc | test acc (mean +- std) | test - CE, paired by seed (mean +- std) |\n|---|---|---|---|---|---|---|")
    order = list(STUDENTS)
    for (st, fr, m), rs in sorted(groups.items(), key=lambda kv: (order.index(kv[0][0]), -kv[0][1], list(METHODS).index(kv[0][2]))):
        t = np.array([r['test_acc'] for r in rs]) * 100; v = np.array([r['valid_acc'] for r in rs]) * 100
        sd = f' +- {t.std(ddof=1):.1f}' if len(t) > 1 else ''
        d = np.array([100 * (r['test_acc'] - ce[(st, fr, r['seed'])]) for r in rs if (st, fr, r['seed']) in ce])
        dd = '' if m == 'ce' or not len(d) else f'{d.mean():+.1f}' + (f' +- {d.std(ddof=1):.1f}' if len(d) > 1 else '') + f' (n={len(d)})'
        print(f"| {st} | {fr:.0%} | {m} | {len(rs)} | {v.mean():.1f} | {t.mean():.1f}{sd} | {dd} |")


def cmd_costs(a):
    table, teacher, _ = setup(a)
    zs = zero_shot_eval(teacher, table, 'test', table.vocab, TEMPLATES, cache=TeacherCache(teacher, table))
    print(f"teacher zero-shot test accuracy: {100*zs['acc']:.1f} (mean per-class {100*zs['mean_class_acc']:.1f})")
    def lat(fn, x, n=20):
        with torch.no_grad():
            for _ in range(3): fn(x)
            t0 = time.perf_counter()
            for _ in range(n): fn(x)
        return (time.perf_counter() - t0) / n * 1000
    print(f"CPU latency per image (batch 1, {os.cpu_count()} cores, torch {torch.__version__}):")
    print("| model | parameters | input | ms / image |\n|---|---|---|---|")
    n_t = sum(p.numel() for p in teacher.classifier.parameters())   # the image side (the class-name bank E is a fixed buffer)
    print(f"| teacher image tower (EfficientNet-Lite2 + ConSE) | {n_t/1e6:.2f} M | {teacher.image_size} px | "
          f"{lat(teacher.encode_images, torch.randn(1, 3, teacher.image_size, teacher.image_size)):.1f} |")
    for name, (arch, _, _) in STUDENTS.items():
        s = Student(arch, n_classes=len(table.vocab)).eval()
        for size in sorted({a.size, 128}):
            print(f"| {name} | {sum(p.numel() for p in s.parameters())/1e6:.2f} M | {size} px | {lat(s, torch.randn(1, 3, size, size)):.1f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cmd', choices=['run', 'report', 'costs'])
    ap.add_argument('--out', default='benchmarks/results/vl2lite_clothing.jsonl')
    ap.add_argument('--students', nargs='+', default=list(STUDENTS))
    ap.add_argument('--methods', nargs='+', default=GRID, choices=list(METHODS))
    ap.add_argument('--fractions', nargs='+', type=float, default=[0.1, 1.0])
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--epochs', type=int, default=3, help='epochs with all labels')
    ap.add_argument('--epochs-fraction', type=int, default=20, help='epochs with a label fraction')
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--workers', type=int, default=0)
    ap.add_argument('--no-preload', dest='preload', action='store_false', help='decode images from disk each step')
    ap.add_argument('--tmp', default='/tmp/vl2lite_bench')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: all cores)')
    ap.add_argument('--shard', default='0/1', help='I/N: run every N-th missing row starting at I (for parallel processes)')
    a = ap.parse_args()
    {'run': cmd_run, 'report': cmd_report, 'costs': cmd_costs}[a.cmd](a)


if __name__ == '__main__': main()

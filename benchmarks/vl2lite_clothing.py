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
evaluated once on the test split. Every row is the method's own learner from the registry (`runner.train`).
"""
import os, sys, time
from pathlib import Path
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.core import Student
from vl2lite.data import labelled_split
from vl2lite.cache import TeacherCache, zero_shot_eval
from vl2lite.methods.vl2lite import VL2LiteOptions
from runner import command, STUDENTS, TEMPLATES, arguments, setup, load, run_rows, train, evaluate, curve, paired
from tables import mean_std

METHODS = {  # row name -> (method, its options)
    'ce': ('ce', dict()),
    'logit_kd': ('logit_kd', dict()),
    'vl2lite_pairwise': ('vl2lite', dict(vis_mode='pairwise')),
    'vl2lite_pointwise': ('vl2lite', dict(vis_mode='pointwise')),
    'vl2lite_txt_only': ('vl2lite', dict(vis_weight=0.)),
    'vl2lite_vis_only': ('vl2lite', dict(txt_weight=0.)),
    # variants for choosing the loss form on the validation split
    'vl2lite_official_text': ('vl2lite', dict(official_text=True)),
    'vl2lite_txt_only_official': ('vl2lite', dict(vis_weight=0., official_text=True)),
    'vl2lite_norm_student': ('vl2lite', dict(normalize_student=True)),
    'vl2lite_norm_official_text': ('vl2lite', dict(normalize_student=True, official_text=True)),
    'vl2lite_official_all': ('vl2lite', dict(vis_mode='pointwise', official_text=True, schedule='official')),
}
GRID = ['ce', 'logit_kd', 'vl2lite_pairwise', 'vl2lite_pointwise', 'vl2lite_txt_only', 'vl2lite_vis_only']
BASELINE = 'ce'   # the row every other is compared with, seed by seed


def key(r): return (r['student'], r['fraction'], r['method'], r['seed'])


def run_one(a, table, teacher, cache, student, fraction, row, seed):
    method, opts = METHODS[row]
    train_idx = table.idxs('train') if fraction >= 1 else labelled_split(table, fraction, seed=seed)[0]
    epochs = a.epochs if fraction >= 1 else a.epochs_fraction
    learn, s, secs = train(table, teacher, cache, student, method, VL2LiteOptions(log_valid_kd=False, **opts), a, seed, epochs, train_idx)
    accs = curve(learn, 'accuracy')
    res = evaluate(learn, s)
    return dict(student=student, fraction=fraction, method=row, seed=seed, epochs=epochs, size=a.size, lr=a.lr, n_train=int(len(train_idx)),
                best_epoch=int(np.argmax(accs)) + 1, valid_acc=max(accs), test_acc=res['test_acc'] / 100, valid_curve=accs, seconds=secs)


def todo(a): return [(st, fr, m, sd) for st in a.students for fr in a.fractions for sd in a.seeds for m in a.methods]   # students in turn


def say(r): return (f"{r['student']:28s} frac {r['fraction']:4} seed {r['seed']} {r['method']:18s} valid {r['valid_acc']:.3f} "
                    f"test {r['test_acc']:.3f} (epoch {r['best_epoch']}/{r['epochs']})")


def cmd_report(a):
    rows = [r for r in load(a.out) if r['method'] in a.methods]
    if not rows: print('no results yet in', a.out); return
    print("| student | labels | method | seeds | valid acc | test acc (mean ± std) |\n|---|---|---|---|---|---|")
    groups = {}
    for r in rows: groups.setdefault((r['student'], r['fraction'], r['method']), []).append(r)
    for (st, fr, m), rs in sorted(groups.items(), key=lambda kv: (list(STUDENTS).index(kv[0][0]), -kv[0][1], list(METHODS).index(kv[0][2]))):
        print(f"| {st} | {fr:.0%} | {m} | {len(rs)} | {100 * np.mean([r['valid_acc'] for r in rs]):.1f} | {mean_std(100 * r['test_acc'] for r in rs)} |")
    print(f'\nTest accuracy minus {BASELINE}, paired by seed:')
    print('\n'.join(paired(rows, lambda r: f"{r['student']} {r['fraction']:.0%}", BASELINE, lambda r: r['method'], lambda r: 100 * r['test_acc'])))


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
    ap = arguments(__doc__, 'vl2lite_clothing.jsonl', commands=('run', 'report', 'costs'))
    ap.add_argument('--students', nargs='+', default=list(STUDENTS))
    ap.add_argument('--methods', nargs='+', default=GRID, choices=list(METHODS))
    ap.add_argument('--fractions', nargs='+', type=float, default=[0.1, 1.0])
    ap.add_argument('--epochs', type=int, default=3, help='epochs with all labels')
    ap.add_argument('--epochs-fraction', type=int, default=20, help='epochs with a label fraction')
    a = ap.parse_args()
    command(a, todo, key, run_one, say, report=cmd_report, costs=cmd_costs)


if __name__ == '__main__': main()

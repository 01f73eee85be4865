"""DHO on the clothing set: label fractions x students x seeds, CE only vs single head vs dual head vs VL2Lite, resumable.

    VL2LITE_DATA=../shared/data python benchmarks/dho_clothing.py run      # runs the missing rows (resumes)
    VL2LITE_DATA=../shared/data python benchmarks/dho_clothing.py report   # mean +- std table, chosen (a, b)

Protocol (the same for every row): teacher = offline ConSE (EfficientNet-Lite2 + all-MiniLM-L6-v2) with
its image embeddings cached once; teacher logits = 100 * cos(image embedding, prompt-ensembled text
embeddings of 'a photo of a {}, a type of clothing.' with the folder names). A stratified --fraction
of the training labels is labelled, the rest of the training split is the unlabelled set. Students at
--size px, AdamW with fit_one_cycle at --lr for --epochs epochs, where an epoch is one pass over the
unlabelled images (batches of 64 unlabelled images; the labelled images are cycled to fill 64 per
step), so every row takes the same number of steps. Rows:
  ce       CE on the labelled images only (the labelled images cycled as above);
  single   one head trained with lam * CE (labelled) + (1 - lam) * T^2 KL(teacher || head) (labelled + unlabelled);
  dho      the dual-head student with the same loss split over its CE and KD heads; reported for the CE head,
           the KD head, and the interpolation p = a softmax(ce) + (1 - a) softmax(kd / b) with (a, b)
           chosen on the validation split over the paper's grid;
  vl2lite  VL2Lite (--vl2lite-method of benchmarks/vl2lite_clothing.py) on the labelled images only;
  <row>_tip, <row>_linear  the same method with the teacher's class predictions from a Tip-Adapter or a linear head
           fitted on the labelled images only (vl2lite.heads.adapted_teacher); its own test accuracy is stored too.
The model after the last epoch is evaluated (no checkpoint selection), once, on the test split; the
number of test images predicted as each class is stored with each row (a collapsed student shows as one big count).
lam = 0.5, T = 2. For seed 0 the single-head and dual-head runs also record the gradient conflict
between the CE and the KD term on the backbone every --conflict-every steps.
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np
import torch
import fastai.callback.progress  # Learner.no_bar
from fastai.callback.schedule import fit_one_cycle  # Learner.fit_one_cycle
from vl2lite.core import seed_everything
from vl2lite.data import table_dls, labelled_split, cycle_items, items_dl
from vl2lite.methods.vl2lite import vl2lite_learner
from vl2lite.methods.dho import dho_learner, head_logits, dho_select, dho_mix
from vl2lite.analysis import GradientConflict
from vl2lite.heads import learner_teacher_head
from vl2lite_clothing import METHODS, STUDENTS, TEMPLATES, load, setup, pending
from tables import dho_summary, cell   # one summary (and the sample std) for this report and the README

ROWS = ['ce', 'single', 'dho', 'vl2lite', 'dho_tip', 'dho_linear', 'single_linear', 'vl2lite_linear']
# <row>_<head>: the method distilling a teacher head adapted with the labelled images (vl2lite.heads) instead of zero-shot


def key(r): return (r['student'], r['fraction'], r['row'], r['seed'])


def acc(logits, y): return float((logits.argmax(-1) == y).float().mean())


def counts(logits): return torch.bincount(logits.argmax(-1), minlength=logits.shape[-1]).tolist()


def run_one(table, teacher, cache, student, fraction, row, seed, a):
    arch, pretrained, stats = STUDENTS[student]
    kw = dict(stats=stats) if stats else {}
    lab, unlab = labelled_split(table, fraction, seed=seed)
    seed_everything(seed)
    test_idx = table.idxs('test')
    out = dict(student=student, fraction=fraction, row=row, seed=seed, epochs=a.epochs, size=a.size, lr=a.lr,
               n_labelled=int(len(lab)), n_unlabelled=int(len(unlab)))
    conflict = None
    base, _, head = row.partition('_'); head = head or 'zeroshot'
    if base in ('ce', 'vl2lite'):
        train = cycle_items(lab, (len(unlab) // a.bs) * a.bs)
        dls = table_dls(table, size=a.size, bs=min(a.bs, len(train)), train_idx=train, num_workers=0, preload=a.preload, **kw)
        cfg = METHODS['ce'] if base == 'ce' else METHODS[a.vl2lite_method]
        learn = vl2lite_learner(dls, arch, teacher, pretrained=pretrained, templates=TEMPLATES, cache=cache,
                                log_valid_kd=False, path=a.tmp, teacher_head=head, **cfg)
    else:
        learn = dho_learner(table, arch, teacher, labelled=lab, unlabelled=unlab, size=a.size, bs=a.bs, pretrained=pretrained,
                            single_head=base == 'single', templates=TEMPLATES, cache=cache, num_workers=0, preload=a.preload,
                            teacher_head=head, path=a.tmp, **kw)
        if seed == 0 and row in ('single', 'dho'):
            conflict = GradientConflict(next(c for c in learn.cbs if type(c).__name__ == 'DualHeadKD'), every=a.conflict_every)
            learn.add_cb(conflict)
    if learner_teacher_head(learn) is not None:   # the adapted teacher's own test accuracy
        out['teacher_head'] = head
        with torch.no_grad(): out['teacher_head_test'] = acc(learner_teacher_head(learn)(cache.lookup(test_idx)), torch.as_tensor(table.targets(test_idx)))
    out['steps_per_epoch'] = len(learn.dls.train)
    t0 = time.time()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(a.epochs, a.lr)
    out['seconds'] = round(time.time() - t0, 1)
    out['valid_curve'] = [float(v[2]) for v in learn.recorder.values]
    test_dl = items_dl(learn.dls, table, test_idx)
    with torch.no_grad():
        if base == 'dho':
            cv, kv, yv = head_logits(learn.model, learn.dls.valid)
            ct, kt, yt = head_logits(learn.model, test_dl)
            a_, b_, va = dho_select(cv, kv, yv)
            out.update(a=a_, b=b_, valid_acc=va, test_acc=acc(dho_mix(ct, kt, a_, b_), yt),
                       valid_ce=acc(cv, yv), valid_kd=acc(kv, yv), test_ce=acc(ct, yt), test_kd=acc(kt, yt),
                       test_pred_counts=dict(ce=counts(ct), kd=counts(kt), mix=counts(dho_mix(ct, kt, a_, b_))))
        else:
            pv, yv = learn.get_preds(); pt, yt = learn.get_preds(dl=test_dl)
            out.update(valid_acc=acc(pv, yv), test_acc=acc(pt, yt), test_pred_counts=counts(pt))
    if conflict is not None: out['conflict'] = conflict.records
    return out


def cmd_run(a):
    table, teacher, cache = setup(a)
    todo = [(st, fr, row, sd) for st in a.students for fr in a.fractions for sd in a.seeds for row in a.rows]
    for k in pending(a, todo, key):
        r = run_one(table, teacher, cache, *k, a)
        with open(a.out, 'a') as f: f.write(json.dumps(r) + '\n')
        extra = f" (CE head {r['test_ce']:.3f}, KD head {r['test_kd']:.3f}, a={r['a']}, b={r['b']})" if k[2] == 'dho' else ''
        print(f"{k[0]:28s} frac {k[1]:4} seed {k[3]} {k[2]:8s} valid {r['valid_acc']:.3f} test {r['test_acc']:.3f}{extra} "
              f"{r['seconds']:.0f} s", flush=True)


def cmd_report(a):
    rows = load(a.out)
    if not rows: print('no results yet in', a.out); return
    cols = ['ce', 'single', 'dho_ce_head', 'dho_kd_head', 'dho', 'vl2lite', 'teacher_tip', 'dho_tip', 'teacher_linear', 'dho_linear',
            'single_linear', 'vl2lite_linear']
    print('test accuracy (%), mean +- std over seeds (n = seeds); (a, b) chosen on validation per seed')
    print('| student | labels | ' + ' | '.join(cols) + ' | (a, b) |\n|---|---|' + '---|' * (len(cols) + 1))
    order = list(STUDENTS)
    for (st, fr), d in sorted(dho_summary(rows).items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        cells = [cell(d.get(c)) + (f' (n={len(d[c])})' if c in d else '') for c in cols]
        print(f"| {st} | {fr:.0%} | " + ' | '.join(cells) + f" | {' '.join(f'({x:g}, {y:g})' for x, y in d.get('ab', {}).values())} |")


def cmd_heads(a):
    "The teacher heads alone: test accuracy of zero-shot, Tip-Adapter and the linear head fitted on each labelled split."
    from vl2lite.heads import teacher_head
    from vl2lite.teacher import text_bank
    table, teacher, cache = setup(a)
    W = text_bank(teacher, list(table.vocab), TEMPLATES).cpu()
    te = table.idxs('test'); yt = torch.as_tensor(table.targets(te)); Et = cache.lookup(te)
    rows = []
    for fr in a.fractions:
        for sd in a.seeds:
            lab, _ = labelled_split(table, fr, seed=sd)
            for kind in ('zeroshot', 'tip', 'linear'):
                h = teacher_head(kind, W, cache.lookup(lab), table.targets(lab))
                with torch.no_grad(): rows.append(dict(fraction=fr, seed=sd, head=kind, n_labelled=int(len(lab)), test_acc=acc(h(Et), yt),
                                                       lam=getattr(h, 'lam', None)))
                print(f"labels {fr:.0%} seed {sd} {kind:8s} test {rows[-1]['test_acc']:.3f}" + (f" (lam {rows[-1]['lam']:g})" if rows[-1]['lam'] else ''), flush=True)
    out = Path(a.out).with_name('teacher_heads.json'); out.write_text(json.dumps(rows, indent=1))
    print('| labels | zero-shot | Tip-Adapter | linear |\n|---|---|---|---|')
    for fr in a.fractions:
        cell = lambda k: (lambda v: f'{v.mean():.1f} +- {v.std(ddof=1):.1f}')(100 * np.array([r['test_acc'] for r in rows if r['fraction'] == fr and r['head'] == k]))
        print(f"| {fr:.0%} | {cell('zeroshot')} | {cell('tip')} | {cell('linear')} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cmd', choices=['run', 'report', 'heads'])
    ap.add_argument('--out', default='benchmarks/results/dho_clothing.jsonl')
    ap.add_argument('--students', nargs='+', default=list(STUDENTS))
    ap.add_argument('--rows', nargs='+', default=ROWS, choices=ROWS)
    ap.add_argument('--fractions', nargs='+', type=float, default=[0.01, 0.05, 0.1])
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--epochs', type=int, default=3, help='passes over the unlabelled images')
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--vl2lite-method', default='vl2lite_pointwise', choices=[m for m in METHODS if m.startswith('vl2lite')])
    ap.add_argument('--conflict-every', type=int, default=5)
    ap.add_argument('--no-preload', dest='preload', action='store_false')
    ap.add_argument('--tmp', default='/tmp/vl2lite_bench')
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--shard', default='0/1')
    a = ap.parse_args()
    {'run': cmd_run, 'report': cmd_report, 'heads': cmd_heads}[a.cmd](a)


if __name__ == '__main__': main()

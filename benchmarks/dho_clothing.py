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
Every row is the method's own learner and evaluation from the registry (`runner.train`, the method's `evaluate`).
The dual-head student is initialised before its DataLoaders are built (the order of `vl2lite distill`; the rows run
before the registry runner built them first, and building them draws from torch's random stream, so a re-run of such
a row starts from another initialisation: results/reruns/check.md).
lam = 0.5, T = 2. For seed 0 the single-head and dual-head runs also record the gradient conflict
between the CE and the KD term on the backbone every --conflict-every steps.
"""
import json, sys
from dataclasses import replace
from pathlib import Path
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.data import labelled_split
from vl2lite.analysis import GradientConflict
from vl2lite.callbacks import DistillLoss
from vl2lite.methods.registry import job_options, get_method
from vl2lite_clothing import METHODS as VL2LITE_ROWS
from runner import command, STUDENTS, TEMPLATES, arguments, setup, load, run_rows, train, evaluate, curve
from tables import dho_summary, cell   # one summary (and the sample std) for this report and the README

ROWS = ['ce', 'single', 'dho', 'vl2lite', 'dho_tip', 'dho_linear', 'single_linear', 'vl2lite_linear']
# <row>_<head>: the method distilling a teacher head adapted with the labelled images (vl2lite.heads) instead of zero-shot
ROW_METHODS = {'ce': ('ce', {}), 'single': ('dho_single', {}), 'dho': ('dho', {}), 'vl2lite': ('vl2lite', None)}
# row -> (method, options); None: VL2Lite's form from --vl2lite-method
RESULT_FIELDS = {'test_acc': 'test_acc', 'test_acc_ce_head': 'test_ce', 'test_acc_kd_head': 'test_kd', 'teacher_head_test_acc': 'teacher_head_test'}
# the method's evaluation (%) -> this file's fields (fractions), as the rows before the registry stored them


def key(r): return (r['student'], r['fraction'], r['row'], r['seed'])


def acc(logits, y): return float((logits.argmax(-1) == y).float().mean())


def options(row: str, a):
    "(method, options) of a row: the method's job options, VL2Lite's form from --vl2lite-method, the teacher head of the suffix."
    base, _, head = row.partition('_')
    method, extra = ROW_METHODS[base]
    extra = dict(VL2LITE_ROWS[a.vl2lite_method][1] if extra is None else extra)
    if 'teacher_head' in get_method(method).USES[method]: extra['teacher_head'] = head or 'zeroshot'
    o = job_options(method, extra)
    return method, (replace(o, log_valid_kd=False) if hasattr(o, 'log_valid_kd') else o)


def run_one(a, table, teacher, cache, student, fraction, row, seed):
    lab, unlab = labelled_split(table, fraction, seed=seed)
    method, opts = options(row, a)
    out = dict(student=student, fraction=fraction, row=row, seed=seed, epochs=a.epochs, size=a.size, lr=a.lr,
               n_labelled=int(len(lab)), n_unlabelled=int(len(unlab)))
    gc = []
    def conflict(learn):   # seed 0: the gradient conflict of a loss that declares its two sides (DHO's CE against its KD terms)
        gc.extend(GradientConflict(c, every=a.conflict_every) for c in learn.cbs if seed == 0 and isinstance(c, DistillLoss) and c.conflict)
        return gc
    learn, s, secs = train(table, teacher, cache, student, method, opts, a, seed, a.epochs, lab, unlab, select=False, cbs=conflict)
    out.update(steps_per_epoch=len(learn.dls.train), seconds=secs, valid_curve=curve(learn, 'accuracy'))   # before the evaluation's own passes
    res = evaluate(learn, s)
    out.update({f: res[k] / 100 for k, f in RESULT_FIELDS.items() if k in res})
    out.update({k: res[k] for k in ('a', 'b') if k in res})
    if 'teacher_head' in res: out['teacher_head'] = res['teacher_head']
    out['valid_acc'] = res['valid_acc_mixed'] / 100 if 'valid_acc_mixed' in res else out['valid_curve'][-1]
    if gc: out['conflict'] = gc[0].records
    return out


def todo(a): return [(st, fr, row, sd) for st in a.students for fr in a.fractions for sd in a.seeds for row in a.rows]


def say(r): return (f"{r['student']:28s} frac {r['fraction']:4} seed {r['seed']} {r['row']:8s} valid {r['valid_acc']:.3f} test {r['test_acc']:.3f}"
                    + (f" (CE head {r['test_ce']:.3f}, KD head {r['test_kd']:.3f}, a={r['a']}, b={r['b']})" if 'test_ce' in r else ''))


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
    ap = arguments(__doc__, 'dho_clothing.jsonl', commands=('run', 'report', 'heads'))
    ap.add_argument('--students', nargs='+', default=list(STUDENTS))
    ap.add_argument('--rows', nargs='+', default=ROWS, choices=ROWS)
    ap.add_argument('--fractions', nargs='+', type=float, default=[0.01, 0.05, 0.1])
    ap.add_argument('--epochs', type=int, default=3, help='passes over the unlabelled images')
    ap.add_argument('--vl2lite-method', default='vl2lite_pointwise', choices=[m for m in VL2LITE_ROWS if m.startswith('vl2lite')])
    ap.add_argument('--conflict-every', type=int, default=5)
    a = ap.parse_args()
    command(a, todo, key, run_one, say, report=cmd_report, heads=cmd_heads)


if __name__ == '__main__': main()

"""Open-vocabulary distillation (Li et al., ICCV 2023) on the clothing set: base/novel class splits x students x rows, resumable.

    VL2LITE_DATA=../shared/data python benchmarks/ood_clothing.py run      # runs the missing rows (resumes)
    VL2LITE_DATA=../shared/data python benchmarks/ood_clothing.py report   # mean +- sample std table over the splits

Protocol (the same for every row): teacher = offline ConSE (EfficientNet-Lite2 + all-MiniLM-L6-v2), its
image embeddings of un-augmented images cached once; class prompts 'a photo of a {}, a type of clothing.'
with the folder names (the 'desc' row appends each class's sentence from
nbs/tutorials/clothing_descriptions.json). Split s (s = 0, 1, 2) draws 5 novel classes of the 10 with
seed s; the student trains on the 5 base classes' training images only, at --size px, batch 64, AdamW
with fit_one_cycle at --lr for --epochs epochs (per student), seed s. The epoch with the best mean
per-class accuracy on the base classes' validation images (among the base classes) is kept: selection
never sees a novel-class image. Reported once on the test split, mean per-class accuracy (%):
ID = base images among the base classes, OOD = novel images among the novel classes (zero-shot through
their names), all = every test image among all 10 classes; the teacher's zero-shot numbers on the same tasks.
Rows (loss weights all 1 when on, tau = 0.07, k = min(256, C), projection = one linear layer into 384-d):
  cls       L_cls only (a text-classifier student);
  mse       L_cls + L_mse;
  mse_cst   L_cls + L_mse + L_cst;
  full      L_cls + L_mse + L_cst + L_vlalign;
  desc      full, with class descriptions in the prompts (training and evaluation).
"""
import argparse, json, os, sys, time
from pathlib import Path
import numpy as np
import torch
import fastai.callback.progress  # Learner.no_bar
from fastai.callback.schedule import fit_one_cycle  # Learner.fit_one_cycle
from fastai.callback.tracker import SaveModelCallback
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.core import seed_everything
from vl2lite.methods.ood import ood_learner, ood_evaluate, base_novel_split, class_subset, load_descriptions
from vl2lite.teacher import text_bank
from vl2lite_clothing import STUDENTS, TEMPLATES, load, setup, pending
from tables import mean_std

ROWS = {'cls': dict(), 'mse': dict(mse=1.), 'mse_cst': dict(mse=1., cst=1.), 'full': dict(mse=1., cst=1., vlalign=1.),
        'desc': dict(mse=1., cst=1., vlalign=1.)}
DESCRIPTIONS = Path(__file__).resolve().parents[1]/'nbs'/'tutorials'/'clothing_descriptions.json'
EPOCHS = {'tf_efficientnet_lite0_in1k': 6, 'mobilenetv3_small_100': 10}


def key(r): return (r['student'], r['split'], r['row'])


def run_one(table, teacher, cache, student, split, row, a):
    arch, pretrained, stats = STUDENTS[student]
    kw = dict(stats=stats) if stats else {}
    base, novel = base_novel_split(table.vocab, 5, seed=split)
    desc = load_descriptions(DESCRIPTIONS, table.vocab) if row == 'desc' else None
    btbl = class_subset(table, base)
    seed_everything(split)
    learn = ood_learner(btbl, arch, teacher, templates=TEMPLATES, descriptions={c: desc[c] for c in base} if desc else None,
                        pretrained=pretrained, size=a.size, bs=64, cache=cache, num_workers=0, preload=a.preload,
                        log_terms=False, path=a.tmp, **ROWS[row], **kw)
    epochs = a.epochs or EPOCHS[student]
    fname = f'ood_{os.getpid()}'
    t0 = time.time()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(epochs, a.lr, cbs=SaveModelCallback(monitor='balanced_accuracy_score', fname=fname))
    secs = round(time.time() - t0, 1)
    curve = [float(v[3]) for v in learn.recorder.values]   # values: valid_loss, accuracy, balanced_accuracy_score
    W_all = text_bank(teacher, list(table.vocab), TEMPLATES, desc).cpu()
    res = ood_evaluate(learn, table, base, novel, W_all=W_all, cache=cache)
    (Path(a.tmp)/'models'/f'{fname}.pth').unlink(missing_ok=True)
    return dict(student=student, split=split, row=row, base=base, novel=novel, epochs=epochs, size=a.size, lr=a.lr,
                n_train=int(len(btbl.idxs('train'))), best_epoch=int(np.argmax(curve)) + 1,
                valid_id=round(100 * max(curve), 1), seconds=secs, **res)


def cmd_run(a):
    table, teacher, cache = setup(a)
    todo = [(st, sp, r) for st in a.students for sp in a.splits for r in a.rows]
    for st, sp, r in pending(a, todo, key):
        t0 = time.time()
        out = run_one(table, teacher, cache, st, sp, r, a)
        with open(a.out, 'a') as f: f.write(json.dumps(out) + '\n')
        print(f"{st} split {sp} {r}: ID {out['student_id']} OOD {out['student_ood']} all {out['student_all']} "
              f"(teacher {out['teacher_id']}/{out['teacher_ood']}/{out['teacher_all']}) {time.time() - t0:.0f}s", flush=True)


ms = mean_std   # the sample std (ddof=1), as every benchmark


def cmd_report(a):
    rows = load(a.out)
    lines = ['| student | row | ID | OOD | all | epoch (best/total) | splits |', '|---|---|---|---|---|---|---|']
    for st in [s for s in STUDENTS if any(r['student'] == s for r in rows)]:
        rs = [r for r in rows if r['student'] == st]
        for name, row in (('teacher zero-shot', 'cls'), ('teacher zero-shot, descriptions', 'desc')):
            teach = {r['split']: r for r in rs if r['row'] == row}
            if teach: lines.append(f"| {st} | {name} | " + ' | '.join(ms([t[f'teacher_{k}'] for t in teach.values()]) for k in ('id', 'ood', 'all'))
                                   + f" |  | {len(teach)} |")
        for row in ROWS:
            g = [r for r in rs if r['row'] == row]
            if not g: continue
            lines.append(f"| {st} | {row} | " + ' | '.join(ms([r[f'student_{k}'] for r in g]) for k in ('id', 'ood', 'all'))
                         + f" | {np.mean([r['best_epoch'] for r in g]):.1f}/{g[0]['epochs']} | {len(g)} |")
    print('\n'.join(lines))
    # paired differences against cls, per split
    print('\nOOD minus the cls row, per split (same split, same student):')
    for st in {r['student'] for r in rows}:
        base = {r['split']: r['student_ood'] for r in rows if r['student'] == st and r['row'] == 'cls'}
        for row in ROWS:
            d = [r['student_ood'] - base[r['split']] for r in rows if r['student'] == st and r['row'] == row and r['split'] in base]
            if row != 'cls' and d: print(f'  {st} {row}: {ms(d, sign=True)}  ({", ".join(f"{x:+.1f}" for x in d)})')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cmd', choices=['run', 'report'])
    ap.add_argument('--students', nargs='+', default=list(EPOCHS))
    ap.add_argument('--splits', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--rows', nargs='+', default=list(ROWS))
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--epochs', type=int, default=None, help='epochs for every student (default: per student, EPOCHS)')
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--preload', type=int, default=96)
    ap.add_argument('--threads', type=int, default=None)
    ap.add_argument('--shard', default='0/1')
    ap.add_argument('--tmp', default='/tmp/vl2lite_bench')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'ood_clothing.jsonl'))
    a = ap.parse_args()
    cmd_run(a) if a.cmd == 'run' else cmd_report(a)


if __name__ == '__main__':
    main()

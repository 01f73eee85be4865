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
Every row is the method's own learner and evaluation from the registry (`runner.train`, `ood.evaluate`).
"""
import sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.methods.ood import OODOptions
from runner import command, STUDENTS, arguments, setup, load, run_rows, train, evaluate, curve, paired
from tables import mean_std

DESCRIPTIONS = Path(__file__).resolve().parents[1]/'nbs'/'tutorials'/'clothing_descriptions.json'
ROWS = {'cls': dict(terms=['cls']), 'mse': dict(terms=['cls', 'mse']), 'mse_cst': dict(terms=['cls', 'mse', 'cst']),
        'full': dict(terms=['cls', 'mse', 'cst', 'vlalign']), 'desc': dict(terms=['cls', 'mse', 'cst', 'vlalign'], descriptions=str(DESCRIPTIONS))}
EPOCHS = {'tf_efficientnet_lite0_in1k': 6, 'mobilenetv3_small_100': 10}
BASELINE = 'cls'


def key(r): return (r['student'], r['split'], r['row'])


def run_one(a, table, teacher, cache, student, split, row):
    opts = OODOptions(novel=5, log_terms=False, **ROWS[row])
    epochs = a.epochs or EPOCHS[student]
    learn, s, secs = train(table, teacher, cache, student, 'ood', opts, a, split, epochs)
    valid = curve(learn, 'balanced_accuracy_score')
    res = evaluate(learn, s)   # ID / OOD / all of student and teacher; leaves the learner classifying every class
    res = {k: v for k, v in res.items() if k not in ('test_acc', 'classes_file')}
    return dict(student=student, split=split, row=row, epochs=epochs, size=a.size, lr=a.lr, n_train=int(len(s.train_idx)),
                best_epoch=int(np.argmax(valid)) + 1, valid_id=round(100 * max(valid), 1), seconds=secs, **res)


def todo(a): return [(st, sp, r) for st in a.students for sp in a.splits for r in a.rows]


def say(o): return (f"{o['student']} split {o['split']} {o['row']}: ID {o['student_id']} OOD {o['student_ood']} all {o['student_all']} "
                    f"(teacher {o['teacher_id']}/{o['teacher_ood']}/{o['teacher_all']})")


def cmd_report(a):
    rows = load(a.out)
    lines = ['| student | row | ID | OOD | all | epoch (best/total) | splits |', '|---|---|---|---|---|---|---|']
    for st in [s for s in STUDENTS if any(r['student'] == s for r in rows)]:
        rs = [r for r in rows if r['student'] == st]
        for name, row in (('teacher zero-shot', 'cls'), ('teacher zero-shot, descriptions', 'desc')):
            teach = {r['split']: r for r in rs if r['row'] == row}
            if teach: lines.append(f"| {st} | {name} | " + ' | '.join(mean_std([t[f'teacher_{k}'] for t in teach.values()]) for k in ('id', 'ood', 'all'))
                                   + f" |  | {len(teach)} |")
        for row in ROWS:
            g = [r for r in rs if r['row'] == row]
            if not g: continue
            lines.append(f"| {st} | {row} | " + ' | '.join(mean_std([r[f'student_{k}'] for r in g]) for k in ('id', 'ood', 'all'))
                         + f" | {np.mean([r['best_epoch'] for r in g]):.1f}/{g[0]['epochs']} | {len(g)} |")
    print('\n'.join(lines))
    print(f'\nOOD minus the {BASELINE} row, per split (same split, same student):')
    print('\n'.join(paired(rows, lambda r: r['student'], BASELINE, lambda r: r['row'], lambda r: r['student_ood'])))


def main():
    ap = arguments(__doc__, 'ood_clothing.jsonl', preload=96)
    ap.add_argument('--students', nargs='+', default=list(EPOCHS))
    ap.add_argument('--splits', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--rows', nargs='+', default=list(ROWS))
    ap.add_argument('--epochs', type=int, default=None, help='epochs for every student (default: per student, EPOCHS)')
    a = ap.parse_args()
    command(a, todo, key, run_one, say, report=cmd_report)


if __name__ == '__main__':
    main()

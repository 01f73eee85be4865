"""LGD label-free pre-training on the clothing set: no pre-training vs plain feature KD vs LGD, then zero-shot,
linear probe (100% and 10% labels) and fine-tuning (10% labels); students x seeds, resumable.

    VL2LITE_DATA=../shared/data python benchmarks/lgd_clothing.py run      # runs the missing rows (resumes)
    VL2LITE_DATA=../shared/data python benchmarks/lgd_clothing.py report   # mean +- sample std table
    VL2LITE_DATA=../shared/data python benchmarks/lgd_clothing.py teacher  # the teacher's zero-shot through the same text bank

Protocol (the same for every row): teacher = offline ConSE (EfficientNet-Lite2 + all-MiniLM-L6-v2), its
embeddings of the un-augmented images from the cache (LGD's code runs its teacher on the student's
augmented view: not done here, to keep a step as cheap as a plain training step). Pre-training uses the
3068 training images *without their labels* (the validation images only to watch the loss), the text
bank of the 10 folder names with the 80 CLIP templates, a student from scratch with an MLP projection
into the teacher's 384-d space, --pre-epochs epochs at --size px, batch 64, AdamW with fit_one_cycle at
2e-3, the seed of the row. 'feature_kd' has the same student, data and budget with the loss 1 - cos(s, t);
LGD has a = 0.5, tau_s = 0.2, tau_t = 0.01, m = 0.99, the bank's unseen slots not masked. 'none' is the
randomly initialised backbone of the same seed. Then, for every backbone:
  zero-shot   accuracy through the text bank on the test split (pre-trained students only);
  probe100    logistic regression on frozen, standardised pooled features of all training images,
              C in {1e-3, 1e-2, 0.1, 1, 10} chosen on the validation split;
  probe10     the same on a stratified 10% of the training labels (the row's seed);
  ft10        fine-tuning the backbone with a new head on that 10% for --ft-epochs epochs (batch 64,
              AdamW, one-cycle at 2e-3), the best validation epoch scored.
All accuracies on the 372 test images, once; the pre-training seconds per epoch are stored. Pre-training is the
method's own learner from the registry (`runner.train`), its zero-shot accuracy the method's `evaluate`.
"""
import json, os, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.core import Student, seed_everything
from vl2lite.data import labelled_split
from vl2lite.methods.lgd import LGDOptions, save_backbone, linear_probe, fine_tune
from runner import command, arguments, setup, load, run_rows, train, evaluate, paired
from tables import mean_std

STUDENTS = ['mobilenetv3_small_100', 'resnet18']
ROWS = ['none', 'feature_kd', 'lgd']   # 'none': the randomly initialised backbone; the others are pre-training methods


def key(r): return (r['student'], r['pre'], r['seed'])


def pretrained(a, table, teacher, cache, student, pre, seed, out):
    "The pre-trained student (the random one for 'none'), with what the pre-training measured in `out`."
    if pre == 'none':
        seed_everything(seed); return Student(student, n_classes=len(table.vocab))
    learn, s, secs = train(table, teacher, cache, student, pre, LGDOptions(train_idx=table.idxs('train')), a, seed, a.pre_epochs, select=False,
                           templates='clip80')   # the text bank: the 80 CLIP templates
    out.update(pre_seconds_per_epoch=round(secs / a.pre_epochs, 1), pre_valid_curve=[[float(x) for x in v] for v in learn.recorder.values],
               zero_shot=evaluate(learn, s)['zero_shot_test']['acc'])
    return learn.model


def run_one(a, table, teacher, cache, student, pre, seed):
    tmp = Path(a.tmp); tmp.mkdir(parents=True, exist_ok=True)
    out = dict(student=student, pre=pre, seed=seed, size=a.size, pre_epochs=a.pre_epochs if pre != 'none' else 0, ft_epochs=a.ft_epochs)
    model = pretrained(a, table, teacher, cache, student, pre, seed, out)
    ckpt = save_backbone(model, tmp/f'backbone_{os.getpid()}.pth')
    feats, lab10 = {}, labelled_split(table, 0.1, seed=seed)[0]
    out['probe100'] = linear_probe(model, table, size=a.size, feats=feats)
    out['probe10'] = linear_probe(model, table, lab10, size=a.size, feats=feats)
    out['ft10'] = fine_tune(student, table, ckpt, lab10, epochs=a.ft_epochs, size=a.size, seed=seed, preload=a.preload, path=tmp)
    ckpt.unlink(missing_ok=True)
    return out


def todo(a): return [(st, p, sd) for st in a.students for sd in a.seeds for p in a.rows]


def say(r): return (f"{r['student']} {r['pre']} seed {r['seed']}: zero-shot {r.get('zero_shot', '-')} probe100 {r['probe100']['test_acc']} "
                    f"probe10 {r['probe10']['test_acc']} ft10 {r['ft10']['test_acc']}")


def cmd_report(a):
    rows = load(a.out)
    print('| student | pre-training | zero-shot | linear probe 100% | linear probe 10% | fine-tune 10% | pre-training s/epoch (median) | seeds |')
    print('|---|---|---|---|---|---|---|---|')
    for st in STUDENTS:
        for p in ROWS:
            g = [r for r in rows if r['student'] == st and r['pre'] == p]
            if not g: continue
            pre = 'zero_shot' in g[0]
            zs = mean_std([r['zero_shot'] for r in g]) if pre else '-'
            sec = f"{np.median([r['pre_seconds_per_epoch'] for r in g]):.0f}" if pre else '-'   # median: robust to a paused run
            name = f"{p} ({g[0]['pre_epochs']} epochs)" if pre else p
            print(f"| {st} | {name} | {zs} | {mean_std([r['probe100']['test_acc'] for r in g])} | {mean_std([r['probe10']['test_acc'] for r in g])} "
                  f"| {mean_std([r['ft10']['test_acc'] for r in g])} | {sec} | {len(g)} |")
    for ref in ('none', 'feature_kd'):
        print(f'\nminus {ref}, paired by seed:')
        for m in ('probe100', 'probe10', 'ft10'):
            print('\n'.join(paired(rows, lambda r: f"{r['student']} {m}", ref, lambda r: r['pre'], lambda r: r[m]['test_acc'])))


def cmd_teacher(a):
    "The teacher's own zero-shot test accuracy through the bank the LGD students use (folder names, 80 CLIP templates)."
    from vl2lite.cache import TeacherCache, zero_shot_eval
    from vl2lite.data import scan_folder, clothing_path
    from vl2lite.teacher import ConSETeacher
    table = scan_folder(clothing_path()); teacher = ConSETeacher.from_pretrained_packages('lite2')
    cache = TeacherCache(teacher, table)   # only the test images are encoded (or read from the cache)
    r = zero_shot_eval(teacher, table, 'test', table.vocab, 'clip80', cache=cache)
    res = dict(templates='clip80', names='folder names', split='test', acc=round(100 * r['acc'], 1), mean_class_acc=round(100 * r['mean_class_acc'], 1))
    Path(a.out).with_name('lgd_teacher_zero_shot.json').write_text(json.dumps(res, indent=1) + '\n')
    print(f"teacher zero-shot on the test split through the LGD bank: accuracy {res['acc']}, mean per-class {res['mean_class_acc']}")


def main():
    ap = arguments(__doc__, 'lgd_clothing.jsonl', commands=('run', 'report', 'teacher'), preload=96, tmp='/tmp/vl2lite_bench_lgd')
    ap.add_argument('--students', nargs='+', default=STUDENTS)
    ap.add_argument('--rows', nargs='+', default=ROWS)
    ap.add_argument('--pre-epochs', type=int, default=5)
    ap.add_argument('--ft-epochs', type=int, default=15)
    a = ap.parse_args()
    command(a, todo, key, run_one, say, report=cmd_report, teacher=cmd_teacher)


if __name__ == '__main__':
    main()

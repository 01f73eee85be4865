"""How closely the open-vocabulary student imitates its teacher, and what each lever buys: an ablation on the clothing set.

    VL2LITE_DATA=../shared/data python benchmarks/ood_fidelity.py run      # runs the missing rows (resumes)
    VL2LITE_DATA=../shared/data python benchmarks/ood_fidelity.py report   # mean +- sample std table over the splits
    VL2LITE_DATA=../shared/data python benchmarks/ood_fidelity.py cost     # seconds per epoch of each row, alone on the machine
    VL2LITE_DATA=../shared/data python benchmarks/ood_fidelity.py probe    # the frozen pretrained features + least squares only

Protocol: the OOD benchmark's (`ood_clothing.py`): the three seeded 5 / 5 base / novel splits of the 10 classes, the
ImageNet-pretrained EfficientNet-Lite0, batch 64, AdamW with fit_one_cycle at 2e-3, the epoch with the best mean per-class
accuracy on the base classes' validation images kept, prompts 'a photo of a {}, a type of clothing.'. Every row starts
from the full method (L_cls + L_mse + L_cst + L_vlalign, weights 1, 6 epochs at 64 px) and changes what its name says.
Reported once on the test split: cos = the mean cosine between the student's and the teacher's embeddings of the novel
classes' test images; ID, OOD, all = mean per-class accuracy (%) as in `ood_clothing.py`; OOD / teacher = the student's
OOD accuracy over the teacher's on the same split; s / epoch = training seconds per epoch on this machine (`cost`: one epoch
of each row on split 0, one after another, nothing else running); valid: the same cosine on the novel classes' validation
images (what a choice between rows may look at; the test split is read once per row).
Rows: 'L_mse x10' (weight 10 on L_mse; on normalised embeddings L_mse = 2 (1 - cos), so a cosine term is the same
lever); 'MLP projection'; 'least-squares start' (`proj_init='lstsq'`, its ridge chosen on the base validation images);
'2 matched views' (`views=2`: two augmented teacher views per image cached, the student trained on their crops);
'12 epochs', '96 px'; 'no L_cls' (the imitation terms alone); the last row is a separate protocol: the novel classes'
training images are added without labels (imitated by every term but L_cls), as a folder of the domain's own images
would be (`--unlabelled`), so the student sees images of the novel classes, never their names or labels.
`probe`: the frozen pretrained backbone with only the least-squares projection, at 64, 128 and 224 px.
"""
import json, shutil, sys, time
from argparse import Namespace
from vl2lite.data import ImageTable
from vl2lite.cache import TeacherCache
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.methods.ood import OODOptions, ood_evaluate, ood_fidelity, lstsq_projection, base_novel_split, class_subset
from vl2lite.heads import OpenVocabStudent
from vl2lite.teacher import text_bank
from vl2lite.data import table_dls
from runner import command, arguments, load, train, evaluate, curve, setup, RESULTS, STUDENTS, TEMPLATES
from tables import mean_std

STUDENT = 'tf_efficientnet_lite0_in1k'
TARGET = dict(novel_cos=0.92, ood_share_of_teacher=0.9)   # what a student close enough to its teacher reaches, on every split
FULL = dict(cls=1., mse=1., cst=1., vlalign=1.)   # the full method, as weights (a row may change one)
ROWS = {  # name -> (OODOptions fields, run settings: epochs, size, unlabelled)
    'full': ({}, {}),
    'L_mse x10': (dict(mse=10.), {}),
    'MLP projection': (dict(proj='mlp'), {}),
    'least-squares start': (dict(proj_init='lstsq'), {}),
    '2 matched views': (dict(views=2), {}),
    '12 epochs': ({}, dict(epochs=12)),
    '96 px': ({}, dict(size=96)),
    'no L_cls (imitation only)': (dict(cls=0.), {}),
    'least-squares start + L_mse x10': (dict(proj_init='lstsq', mse=10.), {}),
    'least-squares start + L_mse x10, unlabelled novel-class images': (dict(proj_init='lstsq', mse=10.), dict(unlabelled=True)),
}
BASELINE = 'full'


def key(r): return (r['split'], r['row'])


def options(row) -> OODOptions: return OODOptions(novel=5, log_terms=False, **{**FULL, **ROWS[row][0]})


def novel_unlabelled(table, ttable, split):
    "The base classes' table with the novel classes' training images added without labels (the in-domain protocol)."
    nov = [i for i in table.idxs('train') if table.labels[i] in split['novel']]
    n = len(ttable)
    return (ImageTable(ttable.root, ttable.paths + [table.paths[i] for i in nov], ttable.labels + [None] * len(nov),
                       ttable.splits + ['unlabelled'] * len(nov), ttable.vocab), np.arange(n, n + len(nov)))


def fit_row(a, table, teacher, cache, split, row, epochs=None, select=True):
    "(learner, setup, seconds, run settings) of one row trained on one split."
    run = {**dict(epochs=6, size=a.size, unlabelled=False), **ROWS[row][1]}
    b = Namespace(**{**vars(a), 'size': run['size'], 'preload': 1})   # images kept in memory at 1.5 x size
    learn, s, secs = train(table, teacher, cache, STUDENT, 'ood', options(row), b, split, epochs or run['epochs'], select=select,
                           unlabelled=novel_unlabelled if run['unlabelled'] else None)
    return learn, s, secs, run


def run_one(a, table, teacher, cache, split, row):
    learn, s, secs, run = fit_row(a, table, teacher, cache, split, row)
    valid = curve(learn, 'balanced_accuracy_score')
    res = {k: v for k, v in evaluate(learn, s).items() if k not in ('test_acc', 'classes_file', 'fidelity')}
    W_all = learn.model.W.cpu()   # the learner now classifies every class, in the table's order
    val = ood_evaluate(learn, s.table, s.split['base'], s.split['novel'], W_all=W_all, cache=s.cache, split='valid')
    fid = ood_fidelity(learn, s.table, s.split['base'], s.split['novel'], s.cache, W_all)
    return dict(split=split, row=row, epochs=run['epochs'], size=run['size'], n_unlabelled=0 if s.unlab_idx is None else len(s.unlab_idx),
                proj_init=getattr(learn, 'proj_init', None),
                best_epoch=int(np.argmax(valid)) + 1, valid_id=round(100 * max(valid), 1), seconds=secs,
                s_per_epoch=round(secs / run['epochs'], 1), **res, **{f'valid_{k}': v for k, v in val.items()}, **fid)


def todo(a): return [(sp, r) for r in a.rows for sp in a.splits]


def say(o): return (f"split {o['split']} {o['row']}: cos {o['cos_ood']} ID {o['student_id']} OOD {o['student_ood']} all {o['student_all']} "
                    f"(teacher OOD {o['teacher_ood']}) {o['s_per_epoch']} s/epoch")


def cmd_report(a):
    rows = load(a.out)
    lines = ['| row | novel cos | ID | OOD | all | OOD / teacher | s / epoch | valid: novel cos | valid: OOD | splits |', '|---|---|---|---|---|---|---|---|---|---|']
    for row in dict.fromkeys(r['row'] for r in rows):
        g = [r for r in rows if r['row'] == row]
        lines.append(f"| {row} | {mean_std([r['cos_ood'] for r in g], 3)} | " + ' | '.join(mean_std([r[f'student_{k}'] for r in g]) for k in ('id', 'ood', 'all'))
                     + f" | {mean_std([r['student_ood'] / r['teacher_ood'] for r in g], 2)} | {mean_std([r['s_per_epoch'] for r in g])}"
                     + f" | {mean_std([r['valid_cos_ood'] for r in g], 3)} | {mean_std([r['valid_student_ood'] for r in g])} | {len(g)} |")
    print('\n'.join(lines))


def cmd_cost(a):
    """Training seconds per epoch of every row (one epoch on split 0, run one after another with nothing else on the machine),
    the images an epoch sees, the seconds before the first step (images decoded into memory, the cache opened, the
    least-squares start), and the teacher's cache fill per image with 1 and with 3 views (200 images, a fresh folder)."""
    table, teacher, cache = setup(a)
    path = RESULTS/'ood_fidelity_cost.json'
    out = {**(json.loads(path.read_text()) if path.exists() else {}), 'target': TARGET}
    for row in a.rows:
        t0 = time.time()
        learn, s, secs, run = fit_row(a, table, teacher, cache, 0, row, epochs=1, select=False)
        out[row] = dict(s_per_epoch=round(secs, 1), images_per_epoch=len(learn.dls.train_ds), setup_s=round(time.time() - t0 - secs, 1))
        print(row, out[row], flush=True)
    idxs = table.idxs('train')[:200]
    for nv in (1, 3):
        root = Path(a.tmp)/f'fill_{nv}'; shutil.rmtree(root, ignore_errors=True)
        c, t0 = TeacherCache(teacher, table, root=root, n_views=nv), time.time()
        c.fill(idxs, show_progress=False)
        out[f'fill_{nv}_views'] = dict(s_per_image=round((time.time() - t0) / len(idxs), 3)); shutil.rmtree(root)
        print(nv, out[f'fill_{nv}_views'], flush=True)
    path.write_text(json.dumps(out, indent=1) + '\n')


def cmd_probe(a):
    """The ImageNet-pretrained backbone, frozen, with only the least-squares projection (`lstsq_projection`, its ridge chosen
    on the base classes' validation images) fitted on the base classes' training images: the novel-class cosine and
    accuracies at 64, 128 and 224 px, per split (no training; what the pretrained features alone can reproduce)."""
    table, teacher, cache = setup(a)
    arch, pretrained, stats = STUDENTS[STUDENT]
    W_all = text_bank(teacher, table.vocab, TEMPLATES).cpu()
    out = []
    for size in (64, 128, 224):
        for split in a.splits:
            base, novel = base_novel_split(table.vocab, 5, seed=split)
            tt = class_subset(table, base)
            dls = table_dls(tt, size=size, bs=64, stats=stats, num_workers=0)
            st = OpenVocabStudent(arch, teacher.embed_dim, base, W_all[[list(table.vocab).index(c) for c in base]], pretrained=pretrained)
            info = lstsq_projection(st, dls, tt, tt.idxs('train'), cache)
            res = ood_evaluate(st, table, base, novel, W_all=W_all, cache=cache, dls=dls)
            out.append(dict(size=size, split=split, **info, **{k: v for k, v in res.items() if not k.startswith('teacher')}, teacher_ood=res['teacher_ood']))
            print(out[-1], flush=True)
    (RESULTS/'ood_fidelity_probe.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in out))


def main():
    ap = arguments(__doc__, 'ood_fidelity.jsonl', commands=('run', 'report', 'cost', 'probe'), preload=96)
    ap.add_argument('--splits', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--rows', nargs='+', default=list(ROWS))
    a = ap.parse_args()
    command(a, todo, key, run_one, say, report=cmd_report, cost=cmd_cost, probe=cmd_probe)


if __name__ == '__main__':
    main()

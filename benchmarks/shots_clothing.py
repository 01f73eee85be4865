"""The few-shot protocol of DHO's 11 datasets, run on the clothing set: accuracy against K labelled images per class.

    VL2LITE_DATA=../shared/data python benchmarks/shots_clothing.py run      # runs the missing rows (resumes)
    VL2LITE_DATA=../shared/data python benchmarks/shots_clothing.py report   # the table and the curve (shots_clothing.png)

Protocol: the clothing set written as a CoOp-style split file (`write_split_file`, its train / val / test folders as
train / val / test) and read back with `read_split_file`, as a researcher runs a CoOp split; K in 1, 2, 4, 8, 16 labelled
training images per class drawn by `shots_split` (the same K-shot set for both methods at a seed; seeds 0, 1, 2); the rest
of the training split unlabelled. Rows: 'ce' (the student trained on the K-shot images alone, with cross-entropy) and 'dho'
(the dual-head student: CE head on the K-shot images, KD head on every training image against the teacher, lam = 0.5,
T = 2, its (a, b) chosen on the validation split). Both at an equal budget: an epoch is one pass over the unlabelled
images in batches of 64 with the K-shot images cycled beside them (CE takes the same number of steps over its labelled
images alone). The offline ConSE teacher (EfficientNet-Lite2 + MiniLM, the only one these machines have), the
ImageNet-pretrained EfficientNet-Lite0 student at 64 px, one epoch of fit_one_cycle at 2e-3 (48 steps of 64 images), evaluated
once on the test split (DHO's validation split chooses only its mix). Cut for a 2-core CPU: 64 px, one epoch, one student; DHO's scripts train ResNet-18 at 224 px for 200 epochs with CLIP RN50 as the teacher (`vl2lite recipes`).
"""
import json, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.datasets import write_split_file, read_split_file, shots_split
from vl2lite.cache import zero_shot_eval
from vl2lite.methods.registry import job_options
from runner import command, arguments, load, train, evaluate, setup, RESULTS, TEMPLATES
from tables import mean_std

STUDENT, EPOCHS, SHOTS, ROWS = 'tf_efficientnet_lite0_in1k', 1, (1, 2, 4, 8, 16), ('ce', 'dho')


def key(r): return (r['shots'], r['row'], r['seed'])


def todo(a): return [(k, row, s) for k in a.shots for s in a.seeds for row in ROWS]


def split_table(a, table):
    "The clothing set as a CoOp-style split file, read back (the table every row trains on)."
    f = Path(a.tmp)/'split_clothing.json'; f.parent.mkdir(parents=True, exist_ok=True)
    return read_split_file(write_split_file(table, f), table.root, verify=False)


def run_one(a, table, teacher, cache, shots, row, seed):
    t = split_table(a, table)
    lab, unl = shots_split(t, shots, seed=seed)
    learn, s, secs = train(t, teacher, cache, STUDENT, row, job_options(row, {}), a, seed, EPOCHS, train_idx=lab, unlab_idx=unl, select=False)
    res = evaluate(learn, s)
    zs = zero_shot_eval(teacher, t, 'test', templates=TEMPLATES, cache=cache, show_progress=False)
    return dict(shots=shots, row=row, seed=seed, n_labelled=len(lab), n_unlabelled=len(unl), epochs=EPOCHS, size=a.size,
                steps=len(learn.dls.train) * EPOCHS, seconds=secs, teacher_test_acc=round(100 * zs['acc'], 1),
                **{k: v for k, v in res.items() if k in ('test_acc', 'test_acc_ce_head', 'test_acc_kd_head', 'a', 'b', 'valid_acc_mixed')})


def say(r): return f"{r['shots']}-shot {r['row']} seed {r['seed']}: test {r['test_acc']} ({r['steps']} steps, {r['seconds']} s)"


def summary(rows):
    "shots -> row -> (mean, sample std, n) of the test accuracy, and the teacher's."
    out = {}
    for k in sorted({r['shots'] for r in rows}):
        out[k] = {row: [r['test_acc'] for r in rows if r['shots'] == k and r['row'] == row] for row in ROWS}
    return out


def cmd_report(a):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    rows = load(a.out)
    s = summary(rows)
    teacher = sorted({r['teacher_test_acc'] for r in rows})
    for k, g in s.items(): print(k, {row: mean_std(v) for row, v in g.items()})
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for row, label in (('ce', 'CE on the K-shot images'), ('dho', 'DHO (K-shot + unlabelled, teacher)')):
        ks = [k for k in s if len(s[k][row])]
        m = [np.mean(s[k][row]) for k in ks]; sd = [np.std(s[k][row], ddof=1) if len(s[k][row]) > 1 else 0 for k in ks]
        ax.errorbar(ks, m, yerr=sd, marker='o', capsize=3, label=label)
    if teacher: ax.axhline(teacher[0], color='grey', ls='--', label=f'teacher zero-shot ({teacher[0]})')
    ax.set_xscale('log', base=2); ax.set_xticks(list(s)); ax.set_xticklabels([str(k) for k in s])
    ax.set_xlabel('labelled images per class (K)', fontsize=10); ax.set_ylabel('test accuracy (%)', fontsize=10)
    ax.set_title('Clothing, 10 classes: mean ± sample std over 3 seeds', fontsize=10); ax.tick_params(labelsize=9)
    ax.legend(fontsize=9); fig.tight_layout(); fig.savefig(RESULTS/'shots_clothing.png'); print('wrote', RESULTS/'shots_clothing.png')


def main():
    ap = arguments(__doc__, 'shots_clothing.jsonl', preload=1)
    ap.add_argument('--shots', nargs='+', type=int, default=list(SHOTS))
    a = ap.parse_args()
    command(a, todo, key, run_one, say, report=cmd_report)


if __name__ == '__main__':
    main()

"""How much DHO's clothing row moves when the teacher's cached embeddings move by a rounding's worth: the embeddings as
stored (float32), rounded to float16 (what `TeacherCache(dtype='float16')` returns), and plus Gaussian noise of a
given std (the same draw for an image at every lookup), each for the seeds given.

    VL2LITE_DATA=../shared/data python benchmarks/cache_perturbation.py --perturb none float16 noise:0@3e-5 noise:0@1e-7 \\
        --seeds 0 1 2        # rows in results/reruns/dho_perturbed.jsonl, table in results/reruns/dho_perturbed.md

The row is benchmarks/dho_clothing.py's `dho` row (MobileNetV3-Small, 5% of the labels, 3 epochs at 64 px, --threads 2),
run by that script; only the teacher cache's lookup is wrapped. The script also prints how far the teacher's own
predictions move (argmax changes, KL at T = 2), which is what the student learns from.
"""
import argparse, json, subprocess, sys
from pathlib import Path
import numpy as np

HERE = Path(__file__).parent
OUT = HERE/'results'/'reruns'/'dho_perturbed.jsonl'


def wrap(perturb: str):
    "Wrap `TeacherCache.lookup` so that it returns the embeddings perturbed by `perturb`."
    import torch
    from vl2lite.cache import TeacherCache
    orig = TeacherCache.lookup
    def lookup(self, idxs, view=0):
        e = orig(self, idxs, view)
        if perturb == 'float16': return e.half().float()
        if perturb.startswith('noise:'):
            seed, std = perturb[6:].split('@')
            full = torch.randn(int(self.rows.shape[0]), e.shape[-1], generator=torch.Generator().manual_seed(int(seed))) * float(std)
            e = e + full[torch.as_tensor(np.asarray(idxs)).long()].reshape(e.shape)
        return e
    TeacherCache.lookup = lookup


def child(perturb, seed):
    "One row: dho_clothing.py's dho row with the wrapped cache, appended to OUT with its perturbation."
    wrap(perturb)
    sys.path.insert(0, str(HERE))
    import dho_clothing
    tmp = OUT.with_name(f'.dho_perturbed_{perturb}_{seed}.jsonl'); tmp.unlink(missing_ok=True)
    sys.argv = ['dho_clothing.py', 'run', '--students', 'mobilenetv3_small_100', '--fractions', '0.05', '--rows', 'dho', '--seeds', str(seed),
                '--threads', '2', '--out', str(tmp)]
    dho_clothing.main()
    r = json.loads(tmp.read_text().splitlines()[-1]); tmp.unlink()
    with open(OUT, 'a') as f: f.write(json.dumps(dict(perturbation=perturb, **r)) + '\n')


def teacher_shift(perturbs):
    "How far each perturbation moves the teacher's class predictions on every clothing image."
    import torch
    from dho_clothing import TEMPLATES
    from runner import setup
    from vl2lite.teacher import text_bank
    from vl2lite.cache import TeacherCache
    table, teacher, cache = setup(argparse.Namespace(threads=2))
    W = torch.nn.functional.normalize(text_bank(teacher, list(table.vocab), TEMPLATES).cpu(), dim=-1)
    idx = np.arange(len(table))
    logits = lambda e: 100 * torch.nn.functional.normalize(e, dim=-1) @ W.T
    ref = logits(cache.lookup(idx))
    out, plain = {}, TeacherCache.lookup
    for p in perturbs:
        wrap(p); l = logits(cache.lookup(idx)); TeacherCache.lookup = plain
        pr, pl = (ref / 2).log_softmax(1), (l / 2).log_softmax(1)
        out[p] = dict(argmax_changed=int((l.argmax(1) != ref.argmax(1)).sum()), images=len(idx),
                      kl_t2_mean=float((pr.exp() * (pr - pl)).sum(1).mean()), max_abs_logit=float((l - ref).abs().max()))
    return out


def report():
    rows = [json.loads(l) for l in OUT.read_text().splitlines()] if OUT.exists() else []
    perturbs = list(dict.fromkeys(r['perturbation'] for r in rows))
    seeds = sorted({r['seed'] for r in rows})
    get = lambda p, s: next((r for r in rows if r['perturbation'] == p and r['seed'] == s), None)
    lines = ['| cached embeddings | ' + ' | '.join(f'seed {s}' for s in seeds) + ' | mean ± sample std |', '|---|' + '---|' * (len(seeds) + 1)]
    for p in perturbs:
        v = [100 * get(p, s)['test_acc'] if get(p, s) else None for s in seeds]
        got = np.array([x for x in v if x is not None])
        spread = f'{got.mean():.1f} ± {got.std(ddof=1):.1f}' if len(got) > 1 else ''
        lines.append(f'| {p} | ' + ' | '.join('' if x is None else f'{x:.1f}' for x in v) + f' | {spread} |')
    md = '\n'.join(lines) + '\n'
    OUT.with_suffix('.md').write_text(md); print(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--perturb', nargs='+', default=['none', 'float16', 'noise:0@3e-5', 'noise:0@1e-7'])
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    ap.add_argument('--report', action='store_true', help='only the table of the rows already run')
    a = ap.parse_args()
    if a.child: return child(a.child[0], int(a.child[1]))
    if not a.report:
        sys.path.insert(0, str(HERE))
        shift = teacher_shift([p for p in a.perturb if p != 'none'])
        for p, d in shift.items(): print(f'{p}: teacher argmax changed on {d["argmax_changed"]} of {d["images"]} images, '
                                           f'mean KL(T=2) {d["kl_t2_mean"]:.2e}, max |logit change| {d["max_abs_logit"]:.4f}', flush=True)
        OUT.with_name('dho_perturbed_teacher.json').write_text(json.dumps(shift, indent=1))
        done = {(json.loads(l)['perturbation'], json.loads(l)['seed']) for l in OUT.read_text().splitlines()} if OUT.exists() else set()
        for p in a.perturb:
            for s in a.seeds:
                if (p, s) not in done: subprocess.run([sys.executable, __file__, '--child', p, str(s)], check=True)   # a fresh process each
    report()


if __name__ == '__main__': main()

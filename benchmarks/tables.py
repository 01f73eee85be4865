"""Every result table of the README, built from the files under `benchmarks/results/` alone (no torch needed).

    python benchmarks/tables.py            # print every table, each under the marker the README puts above it
    python benchmarks/tables.py write      # write results/readme_tables.md and results/paired_differences.md
    python benchmarks/tables.py dho        # print one table

One spread convention for every benchmark: `mean_std` is the mean and the *sample* standard deviation
(ddof=1) over seeds or splits. The README marks each table with `<!-- table: NAME -->`; `tests/test_readme.py`
rebuilds every marked table with the function of that name here and compares it cell by cell, and checks
that every decimal number in the README's prose occurs in a file under `benchmarks/results/`.
"""
import json, sys
from pathlib import Path
import numpy as np

RESULTS = Path(__file__).parent/'results'
ROW_AB = 'dho'   # the DHO benchmark row whose chosen (a, b) its table shows
BASELINE = 'ce'   # the VL2Lite benchmark row every other is compared with, seed by seed


def mean_std(v, digits: int = 1, sign: bool = False) -> str:
    "'mean ± sample std' (ddof=1) of `v`; one value alone is marked (n=1); an empty list gives ''."
    v = np.asarray(list(v), dtype=float)
    f = f'{{:{"+" if sign else ""}.{digits}f}}'
    if not len(v): return ''
    if len(v) == 1: return f.format(v[0]) + ' (n=1)'
    return f.format(v.mean()) + f' ± {v.std(ddof=1):.{digits}f}'


def jsonl(name: str) -> list:
    "The rows of `results/NAME`, one JSON object a line."
    return [json.loads(l) for l in (RESULTS/name).read_text().splitlines() if l.strip()]


def by_seed(rows, *keys, value=lambda r: 100 * r['test_acc']) -> dict:
    "{key tuple: {seed: value}} for `rows`; a key seen twice for one seed is an error (a benchmark run twice)."
    g = {}
    for r in rows:
        k = tuple(r[x] for x in keys)
        d = g.setdefault(k, {})
        if r.get('seed', r.get('split')) in d: raise ValueError(f"{k} seed {r.get('seed', r.get('split'))} appears twice")
        d[r.get('seed', r.get('split'))] = value(r)
    return g


def dho_summary(rows=None) -> dict:
    "{(student, fraction): {column: {seed: test accuracy %}}}, DHO's run split into its CE head, KD head and mix."
    g = {}
    for r in jsonl('dho_clothing.jsonl') if rows is None else rows:
        d = g.setdefault((r['student'], r['fraction']), {})
        heads = 'test_ce' in r   # a dual-head student: each head alone beside the mix
        cols = ((f"{r['row']}_ce_head", 'test_ce'), (f"{r['row']}_kd_head", 'test_kd'), (r['row'], 'test_acc')) if heads else ((r['row'], 'test_acc'),)
        for col, k in cols:
            if r['seed'] in d.setdefault(col, {}): raise ValueError(f"{r['student']} {r['fraction']} {col} seed {r['seed']} twice")
            d[col][r['seed']] = 100 * r[k]
        if heads and r['row'] == ROW_AB: d.setdefault('ab', {})[r['seed']] = (r['a'], r['b'])
        if 'teacher_head_test' in r: d.setdefault(f"teacher_{r['teacher_head']}", {})[r['seed']] = 100 * r['teacher_head_test']
    return g


def cell(d: dict | None) -> str: return mean_std(d[s] for s in sorted(d)) if d else ''


def md(header, rows) -> list:
    "A markdown table as lines."
    return ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)] + ['| ' + ' | '.join(map(str, r)) + ' |' for r in rows]


def pct(f) -> str: return f'{f:.0%}'


LITE0, MNV3, R18 = 'tf_efficientnet_lite0_in1k', 'mobilenetv3_small_100', 'resnet18'
LONG = {LITE0: 'EfficientNet-Lite0, ImageNet-pretrained', MNV3: 'MobileNetV3-Small, scratch', R18: 'ResNet-18, scratch'}


# ---- the README's tables, one function each (its name is the README marker) ----

def demo():
    "`vl2lite demo`, seed 0: the table the demo prints."
    r = next(r for r in jsonl('demo.jsonl') if r['seed'] == 0)
    ks = ['model', 'labels', 'test_acc', 'params_M', 'ms_per_image', 'ms_onnx']
    return md(ks, [[x[k] for k in ks] for x in r['rows']])


def demo_seeds():
    "`vl2lite demo` over its seeds: test accuracy of each model, seed 0 and mean ± std."
    rs = sorted(jsonl('demo.jsonl'), key=lambda r: r['seed'])
    return md(['model', 'test_acc, seed 0', f"test_acc, seeds {', '.join(str(r['seed']) for r in rs)}"],
              [[x['model'], x['test_acc'], mean_std(r['rows'][i]['test_acc'] for r in rs)] for i, x in enumerate(rs[0]['rows'])])


VL2_COLS = ['ce', 'logit_kd', 'vl2lite_pairwise', 'vl2lite_pointwise', 'vl2lite_txt_only', 'vl2lite_vis_only']


def vl2lite():
    g = by_seed(jsonl('vl2lite_clothing.jsonl'), 'student', 'fraction', 'method')
    rows = [(LITE0, 1.), (LITE0, .1), (MNV3, 1.), (MNV3, .1), (R18, .1)]
    return md(['student', 'labels', 'CE only', 'CE + logit KD', 'VL2Lite pairwise', 'VL2Lite pointwise', 'L_txt only', 'L_vis only (pairwise)'],
              [[LONG[s], pct(f)] + [cell(g.get((s, f, m))) for m in VL2_COLS] for s, f in rows])


def vl2lite_variants():
    g = by_seed(jsonl('vl2lite_clothing.jsonl'), 'student', 'fraction', 'method')
    return md(['student', 'labels', 'CE only', 'pairwise on normalised features + official L_txt', 'official code (pointwise, official L_txt, schedule)'],
              [[LONG[LITE0], '10%'] + [cell(g[(LITE0, .1, m)]) for m in ('ce', 'vl2lite_norm_official_text', 'vl2lite_official_all')]])


def dho():
    g = dho_summary()
    keys = [(LITE0, .01), (LITE0, .05), (LITE0, .1), (MNV3, .01), (MNV3, .05), (MNV3, .1), (R18, .01), (R18, .1)]
    cols = ['ce', 'single', 'dho_ce_head', 'dho_kd_head', 'dho', 'vl2lite']
    return md(['student', 'labels', 'CE only', 'single head (CE + KD)', 'DHO CE head', 'DHO KD head', 'DHO, mixed', 'VL2Lite (labelled only)'],
              [[LONG[s], pct(f)] + [cell(g[(s, f)].get(c)) for c in cols] for s, f in keys])


def teacher_heads():
    rows = json.loads((RESULTS/'teacher_heads.json').read_text())
    g = by_seed(rows, 'fraction', 'head')
    return md(['labels', 'zero-shot', 'Tip-Adapter', 'linear'],
              [[pct(f)] + [cell(g[(f, h)]) for h in ('zeroshot', 'tip', 'linear')] for f in (.01, .05, .1)])


def dho_heads():
    g = dho_summary()
    cols = ['ce', 'single', 'single_linear', 'vl2lite', 'vl2lite_linear', 'dho', 'dho_tip', 'dho_linear']
    name = {LITE0: 'EfficientNet-Lite0', MNV3: 'MobileNetV3-Small, scratch'}
    return md(['student', 'labels', 'CE only', 'single head', 'single head, linear', 'VL2Lite', 'VL2Lite, linear', 'DHO', 'DHO, Tip', 'DHO, linear'],
              [[name[s], pct(f)] + [cell(g[(s, f)].get(c)) for c in cols] for s in (LITE0, MNV3) for f in (.01, .05, .1)])


def kd_cost():
    "Seconds per step and the ratios to CE, mean ± sample std over the repeats (one value alone as it is: the data pipeline)."
    r = json.loads((RESULTS/'kd_cost.json').read_text())['rows']
    cell = lambda v, d: '' if not v else f'{v[0]:.{d}f}' if len(v) == 1 else mean_std(v, d)
    return md(['method', 's / step', 'images / step', 'x CE per step', 'x CE per image'],
              [[x['method'], cell(x['s_per_step'], 3), x['images_per_step'], cell(x.get('x_ce_step', []), 2), cell(x.get('x_ce_per_image', []), 2)]
               for x in r])


def _scale_rows() -> list: return jsonl('scale.jsonl') if (RESULTS/'scale.jsonl').exists() else []
SCALE_METHODS = ('ce', 'vl2lite', 'dho', 'ood')


def _last(rows, what, **k):
    "The last measurement of `what` matching `k` (a re-run replaces an earlier one), or {}."
    return next((r for r in reversed(rows) if r['what'] == what and all(r.get(x) == y for x, y in k.items())), {})


def scale():
    "Per dataset size: cache fill and open, vl2lite distill's start and memory, each method's seconds per step and ratio to CE."
    rows, out = _scale_rows(), []
    for n in sorted({r['n'] for r in rows if 'n' in r and r['what'] != 'cache1m_open' and r['what'] != 'cache1m_write'}):
        f, d = _last(rows, 'fill', n=n), _last(rows, 'distill', n=n, method='vl2lite')
        op = [r['open_s'] for r in rows if r['what'] == 'open' and r['n'] == n]
        st = {m: _last(rows, 'steps', n=n, method=m) for m in SCALE_METHODS}
        out.append([f'{n:,}', f.get('scan_s', ''), f.get('fill_s', ''), f.get('peak_pss_mb', ''), mean_std(op, 2) if op else '', d.get('first_step_s', ''),
                    d.get('peak_pss_mb', ''), d.get('s_per_step', '')]
                   + [mean_std(st[m]['s_per_step'], 3) if st[m] else '' for m in SCALE_METHODS]
                   + [mean_std(st[m]['x_ce_per_image'], 2) if st[m] else '' for m in SCALE_METHODS[1:]])
    return md(['training images', 'first scan (s)', 'cache fill (s)', 'scan + fill memory (MB)', 'cache open (s)', 'distill: first step (s)', 'distill: memory (MB)',
               'distill: s / step'] + [f'{m} s / step' for m in SCALE_METHODS] + [f'{m} x CE per image' for m in SCALE_METHODS[1:]], out)


def scale_series() -> dict:
    "(N, value) points of each cost for the log-log plot."
    rows, series = _scale_rows(), {}
    for n in sorted({r['n'] for r in rows if r['what'] in ('fill', 'open', 'distill', 'steps')}):
        f, d, ce = _last(rows, 'fill', n=n), _last(rows, 'distill', n=n, method='vl2lite'), _last(rows, 'steps', n=n, method='ce')
        op = [r['open_s'] for r in rows if r['what'] == 'open' and r['n'] == n]
        for k, v in (('first scan (s)', f.get('scan_s')), ('cache fill (s)', f.get('fill_s')), ('cache open (s)', float(np.mean(op)) if op else None),
                     ('distill: first step (s)', d.get('first_step_s')), ('distill: memory (GB)', d['peak_pss_mb'] / 1024 if d else None),
                     ('CE step (s)', float(np.mean(ce['s_per_step'])) if ce else None)):
            if v: series.setdefault(k, []).append((n, v))
    return series


def scale_pipeline():
    """Images/s of the item pipeline at 224 px, fastai's ImageBlock + RandomResizedCrop against vl2lite's, by DataLoader workers;
    then vl2lite's transform alone in one process and in two at once (the ceiling of two cores, no DataLoader)."""
    rows = [r for r in _scale_rows() if r['what'] == 'pipeline' and 'images' in r]   # the protocol of scale.py's cmd_pipeline
    zero = {r['repeat']: r for r in rows if r['workers'] == 0}
    ceil = [r for r in _scale_rows() if r['what'] == 'pipeline_ceiling']
    return md(['DataLoader workers', "fastai's ImageBlock (images/s)", 'vl2lite (images/s)', 'vl2lite / fastai', 'vl2lite / vl2lite with 0 workers'],
              [[w, mean_std([r['fastai_img_s'] for r in pr], 0), mean_std([r['vl2lite_img_s'] for r in pr], 0),
                mean_std([r['vl2lite_img_s'] / r['fastai_img_s'] for r in pr], 2),
                mean_std([r['vl2lite_img_s'] / zero[r['repeat']]['vl2lite_img_s'] for r in pr], 2)]
               for w in (0, 1, 2) if (pr := [r for r in rows if r['workers'] == w])] +
              ([['transform alone, 1 process', '', mean_std([r['one_process_img_s'] for r in ceil], 0), '', '1.00 ± 0.00'],
                ['transform alone, 2 processes', '', mean_std([r['two_processes_img_s'] for r in ceil], 0), '',
                 mean_std([r['two_processes_img_s'] / r['one_process_img_s'] for r in ceil], 2)]] if ceil else []))


def scale_cache():
    "The cache alone at a million entries: open time, memory, lookups, in two processes one after the other."
    rows = [r for r in _scale_rows() if r['what'] == 'cache1m_open'][-2:]
    return md(['cache of 1,000,000 x 512 float16', 'open (s)', 'RSS after open (MB)', 'anonymous memory after 50 lookups (MB)', 'lookup of 256 (ms)'],
              [[f"process {r['process']}", r['open_s'], r['open_rss_mb'], r['after_lookups_anon_mb'], r['batch_lookup_ms']] for r in rows])


OOD_ROWS = {'cls': 'L_cls only', 'mse': '+ L_mse', 'mse_cst': '+ L_mse + L_cst', 'full': '+ L_mse + L_cst + L_vlalign (full)',
            'desc': 'full, with class descriptions'}


def ood():
    rows = jsonl('ood_clothing.jsonl')
    def group(st, row):   # the runs of one row, by split (a split seen twice is an error)
        return by_seed([r for r in rows if r['student'] == st and r['row'] == row], 'row', value=lambda x: x)[(row,)]
    def col(g, prefix, k): return mean_std(g[s][f'{prefix}_{k}'] for s in sorted(g))
    out = [[name] + [col(group(LITE0, row), 'teacher', k) for k in ('id', 'ood', 'all')]   # the teacher is the same for every student
           for row, name in (('cls', 'teacher zero-shot (offline ConSE)'), ('desc', 'teacher zero-shot, with class descriptions'))]
    for st, head in ((LITE0, '**EfficientNet-Lite0, pretrained**: '), (MNV3, '**MobileNetV3-Small, scratch**: ')):
        for i, (row, name) in enumerate(OOD_ROWS.items()):
            out.append([(head if i == 0 else '') + name] + [col(group(st, row), 'student', k) for k in ('id', 'ood', 'all')])
    return md(['model', 'ID', 'OOD', 'all'], out)


def lgd():
    rows = jsonl('lgd_clothing.jsonl')
    out = []
    for st, name in ((MNV3, 'MobileNetV3-Small'), (R18, 'ResNet-18')):
        for p, pname in (('none', 'none'), ('feature_kd', 'feature KD'), ('lgd', 'LGD')):
            g = sorted((r for r in rows if r['student'] == st and r['pre'] == p), key=lambda r: r['seed'])
            ev = [mean_std(r[k]['test_acc'] for r in g) for k in ('probe100', 'probe10', 'ft10')]
            out.append([name, pname, '-' if p == 'none' else mean_std(r['zero_shot'] for r in g)] + ev
                       + ['-' if p == 'none' else f"{np.median([r['pre_seconds_per_epoch'] for r in g]):.0f}"])
    return md(['student', 'pre-training', 'zero-shot (text bank)', 'linear probe 100%', 'linear probe 10%', 'fine-tune 10%', 's/epoch'], out)


def int8():
    r = json.loads((RESULTS/'demo_int8.json').read_text())['int8']
    return md(['', 'MB', 'accuracy', 'agreement with float', 'ms/image, batch 1', 'images/s, batch 32'],
              [[k, v['mb'], v['acc'], v['agree_with_float'], v['ms_batch1'], v['img_per_s_batch32']] for k, v in r.items()])


def latency():
    r = json.loads((RESULTS/'latency.json').read_text())['rows']
    return md(['model', 'input', 'params (M)', 'runtime', 'ms / image, batch 1', 'images / s, batch 32', 'file (MB)'],
              [[x['model'], f"{x['size']} px", x['params_M'], x['runtime'], x['ms_batch1'], x['img_per_s_batch32'],
                '' if x['file_mb'] is None else x['file_mb']] for x in r])



def _audit_rows(what): return [r for r in jsonl('audit_clothing.jsonl') if r['what'] == what] if (RESULTS/'audit_clothing.jsonl').exists() else []


def audit():
    "vl2lite audit on the clothing set: validation accuracy of each (teacher, head) at each label fraction, and its cost."
    rows = _audit_rows('audit')
    if not rows: return []
    fr = sorted({r['fraction'] for r in rows})
    keys = list(dict.fromkeys((r['teacher'], r['head']) for r in rows))
    get = lambda k, f: next((r for r in rows if (r['teacher'], r['head']) == k and r['fraction'] == f), None)
    out = []
    for k in keys:
        r5 = get(k, 0.05) or get(k, fr[0])
        out.append([k[0], k[1]] + [f"{get(k, f)['valid_acc']:.1f}" if get(k, f) else '' for f in fr] +
                   [f"{r5['valid_mean_class_acc']:.1f}", f"{r5['ece']:.1f}", f"{r5['knn_acc']:.1f}", f"{r5['tower_params_m']:.2f}",
                    f"{r5['images_per_s']:.0f}", f"{r5['fill_hours'] * 60:.1f}", f"{r5['cache_mb']:.1f}"])
    return md(['teacher', 'head'] + [f'valid acc, {pct(f)} labels' for f in fr] +
              ['mean per-class acc (5%)', 'ECE (5%)', 'k-NN acc (5%)', 'image tower (M params)', 'images/s', 'est. fill of the set (min)', 'cache (MB)'], out)


def audit_rank():
    "DHO from the best and the worst audited (teacher, head) at 5% labels: the students' test accuracy beside the audit's ranking."
    rows = _audit_rows('rank')
    if not rows: return []
    out = []
    for which in ('best', 'worst'):
        rs = sorted([r for r in rows if r['which'] == which], key=lambda r: r['seed'])
        if not rs: continue
        out.append([which, rs[0]['teacher'], rs[0]['head'], f"{rs[0]['audit_valid_acc']:.1f}", ', '.join(f"{r['student_test_acc']:.1f}" for r in rs),
                    mean_std([r['student_test_acc'] for r in rs]), mean_std([r['teacher_head_test_acc'] for r in rs])])
    return md(['audit rank', 'teacher', 'head', 'audit: valid acc (seed 0)', 'DHO student: test acc per seed', 'mean ± sample std',
               "the run's teacher head: test acc"], out)


def audit_fill():
    "The audit's estimate of a full cache fill against a measured one."
    rows = _audit_rows('fill')
    return md(['teacher', 'images', 'measured fill (s)', "audit's estimates (s, one per label fraction)", 'estimate / measured'],
              [[r['teacher'], f"{r['images']:,}", f"{r['seconds']:.1f}", ', '.join(f'{e:.1f}' for e in r['estimates_s']),
                ', '.join(f"{e / r['seconds']:.2f}" for e in r['estimates_s'])] for r in rows]) if rows else []


def cache_perturbation():
    "DHO's clothing row (test accuracy of the mix) with the cached teacher embeddings as stored, rounded to float16, or plus noise."
    f = RESULTS/'reruns'/'dho_perturbed.jsonl'
    if not f.exists(): return []
    rows = jsonl('reruns/dho_perturbed.jsonl')
    shift = json.loads((RESULTS/'reruns'/'dho_perturbed_teacher.json').read_text()) if (RESULTS/'reruns'/'dho_perturbed_teacher.json').exists() else {}
    names = {'none': 'as stored (float32)', 'float16': 'rounded to float16'}
    seeds = sorted({r['seed'] for r in rows})
    out = []
    for p in dict.fromkeys(r['perturbation'] for r in rows):
        v = {r['seed']: 100 * r['test_acc'] for r in rows if r['perturbation'] == p}
        name = names.get(p) or 'plus noise, std {1} (draw {0})'.format(*p[6:].split('@'))
        sh = shift.get(p, {})
        out.append([name, f"{sh['kl_t2_mean']:.1e}" if sh else '0', f"{sh['argmax_changed']} of {sh['images']:,}" if sh else '0'] +
                   [f'{v[s]:.1f}' if s in v else '' for s in seeds] + [mean_std(v.values())])
    return md(["cached teacher embeddings", "teacher's predictions: mean KL (T = 2)", 'argmax changed', *[f'seed {s}' for s in seeds], 'mean ± sample std'], out)


def ood_fidelity():
    "What brings the open-vocabulary student closer to its teacher: each lever's novel-class cosine and accuracies over the three splits."
    if not (RESULTS/'ood_fidelity.jsonl').exists(): return []
    rows = jsonl('ood_fidelity.jsonl')
    cost = json.loads((RESULTS/'ood_fidelity_cost.json').read_text()) if (RESULTS/'ood_fidelity_cost.json').exists() else {}
    out = []
    splits = sorted({r['split'] for r in rows})
    for row in sorted(dict.fromkeys(r['row'] for r in rows), key=lambda x: x != 'full'):   # the full method first, then as measured
        g = sorted((r for r in rows if r['row'] == row), key=lambda r: r['split'])
        if len(g) < len(splits): continue   # a row still running (the benchmark resumes it) is not shown
        c = cost.get(row, {})
        out.append([row, mean_std([r['cos_ood'] for r in g], 3)] + [mean_std([r[f'student_{k}'] for r in g]) for k in ('id', 'ood', 'all')]
                   + [mean_std([100 * r['student_ood'] / r['teacher_ood'] for r in g], 0), c.get('s_per_epoch', ''), c.get('images_per_epoch', ''),
                      c.get('setup_s', ''), mean_std([r['valid_cos_ood'] for r in g], 3), mean_std([r['valid_student_ood'] for r in g]), len(g)])
    t = {r['split']: r for r in rows}
    out.append(['teacher (zero-shot, for reference)', '1', mean_std([r['teacher_id'] for r in t.values()]), mean_std([r['teacher_ood'] for r in t.values()]),
                mean_std([r['teacher_all'] for r in t.values()]), '100', '', '', '', '', mean_std([r['valid_teacher_ood'] for r in t.values()]), len(t)])
    return md(['row', 'novel cos', 'ID', 'OOD', 'all', 'OOD, % of teacher', 's / epoch', 'images / epoch', 'setup (s)', 'valid: novel cos',
               'valid: OOD', 'splits'], out)


def ood_fidelity_probe():
    "The frozen ImageNet-pretrained student with only its least-squares projection, at three input sizes."
    if not (RESULTS/'ood_fidelity_probe.jsonl').exists(): return []
    rows = jsonl('ood_fidelity_probe.jsonl')
    out = []
    for size in dict.fromkeys(r['size'] for r in rows):
        g = [r for r in rows if r['size'] == size]
        out.append([f'{size} px', mean_std([r['cos_ood'] for r in g], 3), mean_std([r['cos_id'] for r in g], 3),
                    mean_std([r['student_id'] for r in g]), mean_std([r['student_ood'] for r in g]), len(g)])
    return md(['input', 'novel cos', 'base cos', 'ID', 'OOD', 'splits'], out)


def deploy_open_vocab():
    "The files of a deployed open-vocabulary student, the cost of new class names, and `vl2lite serve` under load."
    f = RESULTS/'deploy_open_vocab.json'
    if not f.exists(): return []
    r = json.loads(f.read_text()); m, s = r['files_mb'], r['serve']
    return md(['what', 'value'], [
        ['student.onnx (float / int8)', f"{m['student']} / {m['student_int8']} MB"],
        ['text tower text.onnx (float / int8)', f"{m['text_tower']} / {r['text_int8_mb']} MB"],
        ['tokenizer (text.tokenizer.json), class bank (student.classes.npy)', f"{m['tokenizer']} MB, {m['class_bank']} MB"],
        ['int8 text tower: smallest cosine of a class embedding with the float one', r['text_int8_min_cosine']],
        [f"new class names, {r['templates']} prompt template(s): 1 name / 10 names", f"{r['add_1_class_ms']} / {r['add_10_classes_ms']} ms"],
        ['one image: decode, preprocess, ONNX Runtime', f"{r['image_ms']} ms"],
        [f"vl2lite serve: {s['requests']} requests, {s['concurrent']} at a time", f"{s['requests_per_s']} requests/s, p50 {s['p50_ms']} ms, "
         f"p99 {s['p99_ms']} ms, {s['failed']} failed"]])


def shots():
    "The few-shot protocol on the clothing set (a CoOp-style split file): CE against DHO at K labelled images per class."
    if not (RESULTS/'shots_clothing.jsonl').exists(): return []
    rows = jsonl('shots_clothing.jsonl')
    acc = by_seed(rows, 'shots', 'row', value=lambda r: r['test_acc'])
    out = []
    for k in sorted({r['shots'] for r in rows}):
        ce, dho = acc.get((k, 'ce'), {}), acc.get((k, 'dho'), {})
        both = sorted(set(ce) & set(dho))
        if len(both) < 3: continue   # a K still running (the benchmark resumes it) is not shown
        r0 = next(r for r in rows if r['shots'] == k)
        out.append([k, r0['n_labelled'], r0['steps'], cell(ce), cell(dho), mean_std([dho[s] - ce[s] for s in both], sign=True), len(both)])
    teacher = sorted({r['teacher_test_acc'] for r in rows})
    out.append(['teacher zero-shot (for reference)', '', '', '', '', '', ' / '.join(map(str, teacher))])
    return md(['K (labelled images per class)', 'labelled images', 'steps', 'CE', 'DHO', 'DHO - CE (paired by seed)', 'seeds'], out)


def recipes():
    "Each paper's settings as a vl2lite command (the numbers are the papers' own: `vl2lite.datasets.RECIPES`)."
    from vl2lite.datasets import recipes_markdown
    return recipes_markdown().split('\n')


TABLES = {f.__name__: f for f in (demo, demo_seeds, vl2lite, vl2lite_variants, dho, teacher_heads, dho_heads, kd_cost, ood, lgd, int8, latency,
                                   scale, scale_pipeline, scale_cache, audit, audit_rank, audit_fill, cache_perturbation, ood_fidelity,
                                   ood_fidelity_probe, deploy_open_vocab, shots, recipes)}


# ---- paired differences quoted in the README's prose ----

def paired(a: dict, b: dict) -> str:
    "'mean ± std (per seed)' of a - b over the seeds both have."
    d = [a[s] - b[s] for s in sorted(set(a) & set(b))]
    return f"{mean_std(d, sign=True)} ({', '.join(f'{x:+.1f}' for x in d)})" if d else ''


def paired_differences() -> list:
    "Every paired difference (by seed) between the rows of the DHO benchmark, and the DHO mix weights chosen."
    out = ['# Paired differences by seed (test accuracy points), `python benchmarks/tables.py write`', '',
           '## DHO benchmark (results/dho_clothing.jsonl): row minus row, per student and label fraction', '']
    pairs = [('dho', 'single'), ('dho', 'ce'), ('dho_ce_head', 'ce'), ('dho', 'dho_ce_head'), ('single', 'ce'), ('vl2lite', 'ce'),
             ('single_linear', 'single'), ('single_linear', 'ce'), ('dho_linear', 'dho'), ('dho_tip', 'dho'), ('dho_linear', 'ce'),
             ('dho_linear', 'single_linear'), ('vl2lite_linear', 'vl2lite'), ('dho_kd_head', 'teacher_zeroshot')]
    for (st, fr), d in sorted(dho_summary().items(), key=lambda kv: (list(LONG).index(kv[0][0]), kv[0][1])):
        for hi, lo in pairs:
            if hi in d and lo in d: out.append(f'- {st} {pct(fr)} {hi} - {lo}: {paired(d[hi], d[lo])}')
        if 'ab' in d: out.append(f"- {st} {pct(fr)} dho (a, b) per seed: " + ', '.join(f'({a:g}, {b:g})' for a, b in d['ab'].values()))
    out += ['', '## VL2Lite benchmark (results/vl2lite_clothing.jsonl): method minus CE only', '']
    g = by_seed(jsonl('vl2lite_clothing.jsonl'), 'student', 'fraction', 'method')
    for (st, fr, m), v in sorted(g.items(), key=lambda kv: (list(LONG).index(kv[0][0]), -kv[0][1], kv[0][2])):
        if m != BASELINE and (st, fr, BASELINE) in g: out.append(f'- {st} {pct(fr)} {m} - {BASELINE}: {paired(v, g[(st, fr, BASELINE)])}')
    rank = _audit_rows('rank')
    if rank:
        out += ['', '## Audit ranking check (results/audit_clothing.jsonl): DHO student from the best minus from the worst audited teacher', '']
        v = {w: {r['seed']: r['student_test_acc'] for r in rank if r['which'] == w} for w in ('best', 'worst')}
        out.append(f"- student test accuracy, best - worst: {paired(v['best'], v['worst'])}")
    return out


def render() -> list:
    out = []
    for name, f in TABLES.items(): out += [f'<!-- table: {name} -->'] + f() + ['']
    return out


if __name__ == '__main__':
    cmd = sys.argv[1] if len(sys.argv) > 1 else 'all'
    if cmd == 'write':
        (RESULTS/'readme_tables.md').write_text('\n'.join(render()))
        (RESULTS/'paired_differences.md').write_text('\n'.join(paired_differences()) + '\n')
        print('wrote', RESULTS/'readme_tables.md', 'and', RESULTS/'paired_differences.md')
    elif cmd == 'all': print('\n'.join(render()))
    else: print('\n'.join(TABLES[cmd]()))

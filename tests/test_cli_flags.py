"""Every flag of the `vl2lite` command, listed: each still exists and reaches the job under the same name and meaning."""
import pytest
pytest.importorskip('torch')
from vl2lite.cli import build_parser, _run_kwargs

FLAGS = {
    'distill': ['--data', '--teacher', '--student', '--pretrained', '--method', '--vis-mode', '--fraction', '--unlabelled', '--size',
                '--bs', '--sync-bn', '--epochs', '--lr', '--seed', '--templates', '--classnames', '--novel', '--descriptions', '--terms',
                '--filter-wrong', '--teacher-head', '--views', '--proj-init', '--out', '--resume', '--on-bad-image', '--log', '--cache-dir', '--device', '--no-report'],
    'pretrain': ['--data', '--method', '--teacher', '--student', '--epochs', '--lr', '--size', '--bs', '--sync-bn', '--seed', '--classnames',
                 '--templates', '--out', '--log', '--cache-dir', '--device', '--no-report'],
    'zeroshot': ['--data', '--teacher', '--templates', '--classnames', '--cache-dir', '--device', '--out'],
    'audit': ['--data', '--teachers', '--fraction', '--templates', '--classnames', '--sample', '--seed', '--budget-hours', '--out',
              '--workers', '--cache-dir', '--device'],
    'cache': ['--data', '--teacher', '--cache-dir'],
    'export': ['--model', '--format', '--out', '--data', '--int8', '--trust', '--text'],
    'predict': ['--model', '--top-k', '--csv', '--trust', '--classes', '--classes-file'],
    'demo': ['--out', '--no-report', '--preload', '--workers', '--precision', '--channels-last'],
    'serve': ['--model', '--host', '--port', '--max-request-mb', '--max-images', '--max-classes'],
}


def test_every_flag_is_there():
    _, subs = build_parser()
    for cmd, flags in FLAGS.items():
        have = {o for a in subs[cmd]._actions for o in a.option_strings}
        assert set(flags) <= have, (cmd, set(flags) - have)


def test_distill_flags_reach_the_job():
    p, subs = build_parser()
    a = p.parse_args(['distill', '--data', 'D', '--teacher', 'T', '--student', 'S', '--pretrained', 'no', '--method', 'ood', '--vis-mode',
                      'pairwise', '--fraction', '0.5', '--unlabelled', 'U', '--size', '48', '--bs', '16', '--sync-bn', '--epochs', '2',
                      '--lr', '0.01', '--seed', '3', '--templates', 'photo', '--classnames', 'a', 'b', '--novel', '3', '--descriptions',
                      'd.json', '--terms', 'cls', 'mse', '--filter-wrong', '--teacher-head', 'linear', '--views', '2', '--proj-init', 'lstsq', '--mse-weight', '2', '--out', 'O', '--on-bad-image',
                      'stop', '--log', 'tensorboard', '--cache-dir', 'C', '--device', 'cpu', '--no-report', '--preload', 'no', '--workers', '2',
                      '--precision', 'bf16', '--channels-last', '--shots', '4', '--split-file', 'S.json'])
    assert _run_kwargs(a, subs['distill'], 'distill') == dict(dataset=None, split_file='S.json', shots=4, labelled_list=None, mse=2.,
        data='D', teacher='T', student='S', pretrained=False, method='ood', vis_mode='pairwise', fraction=0.5, unlabelled='U', size=48,
        bs=16, epochs=2, lr=0.01, seed=3, templates=['photo'], classnames=['a', 'b'], novel=['3'], descriptions='d.json', terms=['cls', 'mse'],
        filter_wrong=True, teacher_head='linear', views=2, proj_init='lstsq', out='O', on_bad='raise', log='tensorboard', cache_dir='C', device='cpu', report=False,
        sync_bn=True, preload='no', num_workers=2, precision='bf16', channels_last=True)


def test_defaults_reach_the_job():
    p, subs = build_parser()
    kw = _run_kwargs(p.parse_args(['distill']), subs['distill'], 'distill')
    assert (kw['vis_mode'], kw['teacher_head'], kw['terms'], kw['templates'], kw['size'], kw['out']) == \
           ('pointwise', 'zeroshot', ['cls', 'mse', 'cst', 'vlalign'], ['clip80', 'simple'], 64, 'vl2lite_run')
    assert (kw['mse'], kw['proj_init'], kw['shots'], kw['split_file'], kw['dataset']) == (10., 'lstsq', None, None, None)
    kw = _run_kwargs(p.parse_args(['pretrain', '--epochs', '3']), subs['pretrain'], 'pretrain')
    assert (kw['method'], kw['student'], kw['epochs'], kw['templates'], kw['out']) == ('lgd', 'resnet18', 3, 'clip80', 'vl2lite_pretrain')
    assert (kw['preload'], kw['num_workers'], kw['precision'], kw['channels_last']) == ('auto', 'auto', 'auto', False)


def test_workers_must_be_a_number():
    p, subs = build_parser()
    with pytest.raises(ValueError, match='--workers must be auto or a number'): _run_kwargs(p.parse_args(['distill', '--workers', 'many']), subs['distill'], 'distill')


def test_audit_flags_reach_the_job(monkeypatch):
    import vl2lite.cli as cli
    got = {}
    monkeypatch.setattr(cli, 'audit', lambda *a, **k: got.update(args=a, kw=k))
    p, subs = build_parser()
    a = p.parse_args(['audit', '--data', 'D', '--teachers', 'conse:lite0', 'openclip:X', '--fraction', '0.05', '--templates', 'simple',
                      '--classnames', 'a', 'b', '--sample', '50', '--seed', '3', '--budget-hours', '1.5', '--out', 'O', '--workers', '2',
                      '--cache-dir', 'C', '--device', 'cpu'])
    assert cli._dispatch(a, subs) == 0
    assert got['args'] == ()
    assert got['kw'] == dict(data='D', teachers=['conse:lite0', 'openclip:X'], fraction=0.05, templates=['simple'], classnames=['a', 'b'],
                             sample=50, seed=3, budget_hours=1.5, out='O', num_workers='2', cache_dir='C', device='cpu')


def test_demo_takes_the_machine_flags(monkeypatch):
    import vl2lite.cli as cli
    got = {}
    monkeypatch.setattr(cli, 'demo', lambda **k: got.update(k))
    p, subs = build_parser()
    assert cli._dispatch(p.parse_args(['demo', '--out', 'O', '--preload', 'no', '--workers', '3', '--precision', 'bf16', '--channels-last']), subs) == 0
    assert got == dict(out='O', report=True, preload='no', num_workers=3, precision='bf16', channels_last=True)
    with pytest.raises(ValueError, match='--workers must be auto or a number'): cli._dispatch(p.parse_args(['demo', '--workers', 'x']), subs)

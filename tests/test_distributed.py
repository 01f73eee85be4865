"""Every method under 2 CPU processes (torchrun, gloo) against one process with the same global batch, and the
command line under torchrun. A few steps each; the worker is tests/ddp_worker.py."""
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from conftest import copy_clothing

HERE = Path(__file__).resolve().parent
TORCHRUN = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2']   # a free port of its own
# Methods whose loss is a mean of per-image terms: DDP's averaged gradient is the global batch's gradient, so the
# two runs take the same steps. Their losses can differ only by float32 rounding: each sum runs in another order
# (a relative error of about 1e-7 per operation), Adam's steps are normalised, so after 10 steps the difference
# stays near 1e-6 (measured: at most 6e-6). 1e-4 leaves room for other CPUs and BLAS builds, and is twenty
# times below the smallest change of these losses from one step to the next (checked below), so a wrong shard,
# a gradient left unsynchronised or a teacher that differs between processes cannot pass.
PER_IMAGE = ['ce', 'logit_kd', 'vl2lite', 'dho', 'ood', 'lgd']
IN_BATCH = ['vl2lite_pairwise', 'ood_contrastive']   # computed over each process's local batch: they only have to run
TOL = 1e-4


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, clothing):
    "8 train, 2 validation and 2 test images per class: 80 training images, 10 steps of a global batch of 8."
    root = tmp_path_factory.mktemp('ddp')
    copy_clothing(clothing, root, 8, 2, 2)
    return root


def _env():
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')


def test_two_processes_train_like_one(tiny):
    one, two = tiny/'one.json', tiny/'two.json'
    subprocess.run([sys.executable, str(HERE/'ddp_worker.py'), str(tiny/'imgs'), str(one), '--world', '2'],
                   check=True, env=_env(), capture_output=True, cwd=tiny)
    r = subprocess.run(TORCHRUN + [str(HERE/'ddp_worker.py'), str(tiny/'imgs'), str(two), '--world', '2'],
                       env=_env(), capture_output=True, text=True, cwd=tiny)
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = json.loads(one.read_text()), json.loads(two.read_text())
    assert (a['world'], b['world']) == (1, 2)
    for m in PER_IMAGE:
        x, y = np.array(a[m]), np.array(b[m])
        assert len(x) == len(y) >= 5, m
        assert np.abs(np.diff(x)).min() > 20 * TOL, m      # a step changes the loss by far more than the tolerance
        np.testing.assert_allclose(y, x, atol=TOL, rtol=0, err_msg=m)
    for m in IN_BATCH: assert len(b[m]) == len(a[m]) and np.isfinite(b[m]).all(), m
    # validation accuracy over the whole set once: the same as one process, on 19 images that DistributedDL pads to 20
    for m in PER_IMAGE: assert b[f'{m}_valid_acc'] == a[f'{m}_valid_acc'], m
    assert abs(b['ce_valid_acc'] * 19 - round(b['ce_valid_acc'] * 19)) < 1e-5
    banks = np.array(b['lgd_banks'])
    assert banks.shape[0] == 2 and np.array_equal(banks[0], banks[1])        # every process holds the same visual bank
    np.testing.assert_allclose(banks[0], np.array(a['lgd_banks'][0]), atol=1e-6)  # the bank one process builds


def test_command_line_under_torchrun(tiny):
    out = tiny/'run'
    r = subprocess.run(TORCHRUN + ['-m', 'vl2lite.cli', 'distill', '--data', str(tiny/'imgs'), '--teacher', 'openclip:vl2lite-tiny-vit',
                                   '--student', 'resnet18', '--pretrained', 'no', '--method', 'dho', '--fraction', '0.5', '--size', '32',
                                   '--bs', '8', '--epochs', '1', '--templates', 'photo', '--out', str(out), '--cache-dir', str(tiny/'cache'),
                                   '--device', 'cpu', '--no-report', '--preload', 'no', '--workers', '1', '--precision', 'bf16'],
                       env=_env(), capture_output=True, text=True, cwd=tiny)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('training on 2 processes (4 images each a step, a global batch of 8)') == 1   # rank 0 alone prints
    assert r.stdout.count('images read from disk by DataLoader workers (--preload no); 1 DataLoader worker(s); bf16') == 1
    assert r.stdout.count('| model') == 1 and 'KD head alone' in r.stdout
    res = json.loads((out/'results.json').read_text())
    assert res['processes'] == 2 and res['bs'] == 8 and 0 <= res['test_acc'] <= 100
    assert sorted(p.name for p in out.iterdir()) == ['distill.json', 'history.csv', 'models', 'progress.json', 'results.json', 'student.pkl']
    assert sorted(p.name for p in (out/'models').iterdir()) == ['best.pth', 'last.pth', 'rng0.pth', 'rng1.pth']   # each process's random states
    assert len((out/'history.csv').read_text().strip().splitlines()) == 2      # one header, one epoch: written once
    bad = subprocess.run(TORCHRUN + ['-m', 'vl2lite.cli', 'distill', '--data', str(tiny/'imgs'), '--teacher', 'openclip:vl2lite-tiny-vit',
                                     '--bs', '7', '--out', str(tiny/'bad'), '--cache-dir', str(tiny/'cache')], env=_env(), capture_output=True, text=True)
    assert 'vl2lite: error: --bs 7 is the global batch: it must split evenly into at least 2 images for each of the 2 processes' in bad.stderr
    assert not (tiny/'bad').exists()

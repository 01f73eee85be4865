"""`vl2lite audit` end to end from the command line on a small folder dataset (files linked from the clothing set), with
two tiny random open_clip teachers: its table, audit.json and audit.html; bad input is one line and exit status 2."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

pytest.importorskip('torch')
DATA = Path(os.environ.get('VL2LITE_DATA', Path(__file__).parent.parent.parent/'shared'/'data'))/'clothing'


def small_folder(root: Path, classes=3, per_split=dict(train=6, validation=3, test=3)) -> Path:
    src = sorted(p for p in (DATA/'train').iterdir() if p.is_dir())[:classes]
    for sp, k in per_split.items():
        for c in src:
            d = root/sp/c.name; d.mkdir(parents=True)
            for f in sorted((DATA/sp/c.name).iterdir())[:k]: os.link(f, d/f.name)
    return root


def run(*args, cwd):
    return subprocess.run([sys.executable, '-m', 'vl2lite.cli', 'audit', *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(not DATA.exists(), reason='needs the clothing set')
def test_audit_command(tmp_path):
    data = small_folder(tmp_path/'data')
    r = run('--data', str(data), '--teachers', 'openclip:vl2lite-tiny-vit', '--fraction', '0.5', '--templates', 'photo', '--sample', '9',
            '--out', str(tmp_path/'out'), '--cache-dir', str(tmp_path/'cache'), '--workers', '0', cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'Recommended: openclip:vl2lite-tiny-vit' in r.stdout and 'vl2lite distill --data' in r.stdout
    res = json.loads((tmp_path/'out'/'audit.json').read_text())
    assert len(res['rows']) == 3 and res['sample'] == 9 and res['n_valid'] == 9
    assert (tmp_path/'out'/'audit.html').stat().st_size > 10_000
    bad = run('--data', str(data), '--teachers', 'openclip:vl2lite-tiny-vit', 'openclip:vl2lite-tiny-vit', '--out', str(tmp_path/'o2'), cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1] == "vl2lite: error: the teacher 'openclip:vl2lite-tiny-vit' is given more than once"

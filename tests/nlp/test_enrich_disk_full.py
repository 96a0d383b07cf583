"""Enriching into a full disk (here a file size limit) fails naming the file and leaves no half file behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

ENRICH_WITH_A_SIZE_LIMIT = """
import json, resource, signal, sys
from pathlib import Path
from config import load_config
from nlp.enrich import enrich_file
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit raise EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
try:
    enrich_file(Path(sys.argv[1]), Path(sys.argv[2]), brands=load_config().brands, classifier=None)
except OSError as error:
    print(json.dumps({"errno": error.errno, "message": str(error)}, ensure_ascii=False))
"""


def test_a_full_disk_while_enriching_fails_naming_the_file_and_keeps_the_earlier_output(tmp_path) -> None:
    raw, out = tmp_path / "raw.jsonl", tmp_path / "enriched" / "demo.jsonl"
    raw.write_text("".join(json.dumps({"id": f"m{n}", "source": "demo", "@timestamp": "2026-11-20T10:00:00Z",
                                       "text": f"سهم الشبكة عندهم طايحة من الصبح ولا أحد يرد {n}"}, ensure_ascii=False) + "\n"
                           for n in range(200)), encoding="utf-8")
    out.parent.mkdir()
    out.write_text("earlier output\n", encoding="utf-8")
    finished = subprocess.run([sys.executable, "-c", ENRICH_WITH_A_SIZE_LIMIT, str(raw), str(out)], capture_output=True,
                              text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    assert finished.returncode == 0, finished.stderr[-3000:]
    failure = json.loads(finished.stdout.strip().splitlines()[-1])
    assert failure["errno"] == 27
    assert failure["message"].startswith(f"could not write {out}: File too large (disk full, quota or file size limit)")
    assert out.read_text(encoding="utf-8") == "earlier output\n"
    assert sorted(path.name for path in out.parent.iterdir()) == ["demo.jsonl"], "no partial file left"

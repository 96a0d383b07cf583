"""nabd.private_files: atomic private writes that never share a temporary file between writers."""

import os
import stat
import threading

from nabd.private_files import write_atomically


def test_concurrent_writers_of_one_file_leave_one_whole_version_and_no_temporary_file(tmp_path):
    target = tmp_path / "raw" / "2026-11-21T10.jsonl"
    contents = [f'{{"writer": {n}}}\n'.encode() * 2000 for n in range(8)]
    errors = []

    def write(content: bytes) -> None:
        try:
            for _ in range(20):
                write_atomically(target, content)
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=write, args=(content,)) for content in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in contents  # one writer's whole version, never a mix
    assert os.listdir(target.parent) == [target.name]  # no .partial left behind
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_rewrite_keeps_the_mode_the_file_had(tmp_path):
    target = tmp_path / "report.html"
    write_atomically(target, b"one")
    os.chmod(target, 0o640)
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two" and stat.S_IMODE(target.stat().st_mode) == 0o640

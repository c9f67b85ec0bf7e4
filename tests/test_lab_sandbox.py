"""The sandbox kills every process a submission started, setsid grandchildren included,
whichever way it contains it: a PID namespace, a user of its own, or neither."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import processes_with

from chapter.course import lab_sandbox

# A child that leaves a setsid grandchild behind and exits at once.
ESCAPE = "setsid sh -c 'sleep 600; : {marker}' </dev/null >/dev/null 2>&1 & sleep 0.5; exit 0"


@pytest.mark.parametrize("namespaces", [True, False])
@pytest.mark.parametrize("own_user", [True, False])
def test_no_process_outlives_the_run(monkeypatch, namespaces, own_user) -> None:
    if own_user and os.geteuid() != 0:
        pytest.skip("only root can run a submission as another user")
    if not namespaces:
        monkeypatch.setattr(lab_sandbox, "namespace_prefix", lambda: ())
    elif not lab_sandbox.namespace_prefix():
        pytest.skip("this kernel or container allows no PID namespace")
    uid = lab_sandbox.sandbox_uid() if own_user else None
    marker = f"sandbox-escape-{namespaces}-{own_user}-{os.getpid()}"
    outer, scratch = lab_sandbox.make_scratch(uid)
    try:
        command = ["/bin/sh", "-c", ESCAPE.format(marker=marker)]
        if uid is not None:
            command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command]
        finished = lab_sandbox.run_contained(command, scratch, b"", 30, uid)
    finally:
        shutil.rmtree(outer)
    assert finished.status == 0 and not finished.timed_out
    assert processes_with(marker) == []


@pytest.mark.parametrize("namespaces", [True, False])
def test_a_run_past_its_time_is_killed_whole(monkeypatch, namespaces) -> None:
    if not namespaces:
        monkeypatch.setattr(lab_sandbox, "namespace_prefix", lambda: ())
    uid = lab_sandbox.sandbox_uid()
    marker = f"sandbox-slow-{namespaces}-{os.getpid()}"
    outer, scratch = lab_sandbox.make_scratch(uid)
    command = ["/bin/sh", "-c", f"setsid sh -c 'sleep 600; : {marker}' & sleep 600"]
    if uid is not None:
        command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command]
    try:
        finished = lab_sandbox.run_contained(command, scratch, b"", 1, uid)
    finally:
        shutil.rmtree(outer)
    assert finished.timed_out and processes_with(marker) == []

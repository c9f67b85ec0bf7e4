"""Run a submission's code contained, and make sure all of it is gone afterwards.

The code runs in a child process, in its own scratch folder, with limits on CPU
time, memory, file size and processes, its printed output drained and counted but
never kept. When the grader runs as root the child drops to an unprivileged user
(the system user `lab-student` that the Gradescope bundle's setup.sh creates, or
else a throw-away uid that owns no file), so it cannot read the reference code,
the seed or the submission folders, nor write anywhere but its scratch folder.
Where the kernel allows it (`unshare`), the child is also the first process of its
own PID and mount namespaces: the grader's folders are covered by empty read-only
mounts, /tmp by a private one, and when the child ends the kernel kills every
process it started, `setsid` grandchildren included.

Whatever happened, `finish` kills and reaps every process left (by uid, as that
user, when root; by descent from the child otherwise) and only then returns, so the
judge reads the scratch folder when nothing of the submission is running.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import pwd
import resource
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SANDBOX_USER = "lab-student"
PR_SET_CHILD_SUBREAPER = 36
# Limits of the submission's processes. Memory is address space: numpy with one
# BLAS thread needs a few hundred MB; an n x n float64 array at n = 3072 is 75 MB.
CPU_SECONDS = 600
MEMORY_BYTES = 4_000_000_000
FILE_BYTES = 64_000_000
PROCESSES = 64
OPEN_FILES = 256


@dataclass
class Finished:
    """How the contained run ended: its exit status (negative: killed by that signal),
    whether the time limit stopped it, and how many bytes it printed."""

    status: int
    timed_out: bool
    printed: int
    isolated: str
    # Whether the run ended by sealing its results (lab_harness.seal); set by the judge.
    sealed: bool = False


def sandbox_uid() -> int | None:
    """The uid the submission runs as, or None when the grader is not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SANDBOX_USER).pw_uid
    except KeyError:
        pass
    while True:
        uid = 2_000_000_000 + secrets.randbelow(100_000_000)
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid


@functools.cache
def namespace_prefix() -> tuple[str, ...]:
    """The `unshare` command that gives the child its own PID and mount namespaces,
    or () where the kernel or the container does not allow it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    prefix = (unshare, "--pid", "--fork", "--mount-proc", "--kill-child")
    if os.geteuid() != 0:
        prefix = (unshare, "--user", "--map-root-user", *prefix[1:])
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return prefix if probe.returncode == 0 else ()


def make_scratch(uid: int | None) -> tuple[Path, Path]:
    """A private folder of the grader's and, inside it, the submission's scratch folder.

    The outer folder lets others pass through but not list it, so the submission
    reaches its scratch folder and nothing else of the grader's."""
    outer = Path(tempfile.mkdtemp(prefix="grade-lab-"))
    outer.chmod(0o711)
    scratch = outer / "scratch"
    scratch.mkdir(mode=0o700)
    if uid is not None:
        os.chown(scratch, uid, uid)
    return outer, scratch


def _limits(uid: int | None) -> None:
    """Run in the child between fork and exec: limits, and a session of its own."""
    os.setsid()
    for limit, value in (
        (resource.RLIMIT_CPU, CPU_SECONDS),
        (resource.RLIMIT_AS, MEMORY_BYTES),
        (resource.RLIMIT_FSIZE, FILE_BYTES),
        (resource.RLIMIT_NOFILE, OPEN_FILES),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))
    if uid is not None:  # counted per user: only a user of its own can be limited so
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))


def _processes() -> list[tuple[int, int, int, str]]:
    """(pid, parent pid, real uid, state) of every process this grader can see."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        try:
            found.append(
                (
                    int(entry),
                    int(fields["PPid"]),
                    int(fields["Uid"].split()[0]),
                    fields["State"][:1],
                )
            )
        except (KeyError, ValueError, IndexError):
            continue
    return found


def _left(root_pid: int, uid: int | None, before: set[int]) -> list[tuple[int, int, str]]:
    """(pid, parent, state) of the processes of the submission: its user's when it has
    one of its own, else the child's descendants and orphans handed to this grader."""
    table = _processes()
    if uid is not None:
        return [(pid, ppid, state) for pid, ppid, owner, state in table if owner == uid]
    me = os.getpid()
    parents = {pid: ppid for pid, ppid, _, _ in table}
    theirs = []
    for pid, ppid, _, state in table:
        chain, node = 0, pid
        while node not in (0, 1, me) and node != root_pid and chain < 4096:
            node, chain = parents.get(node, 0), chain + 1
        adopted = ppid == me and pid not in before
        if (node == root_pid and pid != me) or adopted:
            theirs.append((pid, ppid, state))
    return theirs


def _kill_as(uid: int) -> None:
    """Send SIGKILL to every process of uid, from a process that is that user."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only kills and leaves
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def kill_all(root_pid: int, uid: int | None, before: set[int]) -> None:
    """Kill every process of the submission and reap those handed to this grader;
    return once none is left running."""
    for _ in range(500):
        left = _left(root_pid, uid, before)
        me = os.getpid()
        for pid, ppid, state in left:
            if state == "Z" and ppid == me:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
        if not [pid for pid, _, state in left if state != "Z"]:
            return
        if uid is not None:
            _kill_as(uid)
        for pid, _, _ in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
    raise RuntimeError("processes of the submission survived SIGKILL")


def _drain(stream, counter: list[int]) -> None:
    while chunk := stream.read(65536):
        counter[0] += len(chunk)


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:
        pass


def run_contained(
    command: list[str], scratch: Path, job: bytes, timeout: float, uid: int | None
) -> Finished:
    """Run command in scratch with job on its standard input, contained and limited;
    kill everything it started once it ends or timeout seconds have passed."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    before = {pid for pid, ppid, _, _ in _processes() if ppid == os.getpid()}
    prefix = namespace_prefix()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(scratch),
        "IPYTHONDIR": str(scratch / ".ipython"),
        "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        "MPLBACKEND": "Agg",
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    child = subprocess.Popen(
        [*prefix, *command],
        cwd=scratch,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=functools.partial(_limits, uid),  # noqa: PLW1509 - limits need it
        close_fds=True,
    )
    printed = [0]
    threads = [
        threading.Thread(target=_feed, args=(child.stdin, job), daemon=True),
        threading.Thread(target=_drain, args=(child.stdout, printed), daemon=True),
    ]
    for thread in threads:
        thread.start()
    timed_out = False
    try:
        child.wait(timeout=max(timeout, 0.1))
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        kill_all(child.pid, uid, before)
        for thread in threads:
            thread.join(timeout=5)
        child.stdout.close()
    isolated = (
        "user and PID namespace"
        if prefix and uid is not None
        else ("user" if uid is not None else ("PID namespace" if prefix else ""))
    )
    return Finished(child.returncode, timed_out, printed[0], isolated)

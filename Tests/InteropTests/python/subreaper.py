"""Runs a command and names every process it left running (standard library only, Linux).

Usage: subreaper.py [--report FILE] [--grace SECONDS] -- CMD [ARGS...]

The wrapper makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER): a process orphaned
anywhere under CMD — an upstream whose gateway exited without stopping it — is re-parented to the
wrapper instead of to init. That makes "did this server leave anything behind?" an exact question
about this one command tree, unlike a scan of the whole machine for processes of parent 1, which
also sees the short-lived orphans of unrelated tests that kill their servers on purpose.

A process counts as left behind when it is still running SECONDS (default 2) after CMD exited.
Orphans that die before that are reaped silently: a group member whose parent died a moment
before the same signal reached it, or a child ended by its parent-death signal, was stopped.

Exit status: CMD's (a signal as 128 + its number), or 86 when anything was left behind. Each
such process is written to stderr (and to FILE) as "orphaned: PID ARGS", then SIGKILLed and
reaped.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
ORPHANED_STATUS = 86


def prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


def children() -> list[int]:
    """Processes whose parent is this one, from /proc (zombies included)."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                after_name = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(after_name[1]) == me:
            found.append(int(entry))
    return found


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip() or "<zombie>"
    except OSError:
        return "<exited>"


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def reap_dead() -> None:
    """Collects every child that has exited (CMD's adopted orphans), without waiting."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> int:
    args = sys.argv[1:]
    report, grace = None, 2.0
    while len(args) >= 2 and args[0] in ("--report", "--grace"):
        if args[0] == "--report":
            report = args[1]
        else:
            grace = float(args[1])
        args = args[2:]
    if not args or args[0] != "--" or len(args) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    command = args[1:]

    prctl(PR_SET_CHILD_SUBREAPER, 1)
    pid = os.fork()
    if pid == 0:
        try:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            os.execvp(command[0], command)
        except OSError as e:
            print(f"subreaper.py: cannot run {command[0]}: {e}", file=sys.stderr)
        os._exit(127)

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    passed_on = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    for signum in passed_on:
        signal.signal(signum, forward)
    # A parent may hand us these blocked (swift test does); CMD keeps the mask it was given.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, passed_on)

    status = None
    while status is None:
        reaped, raw = os.waitpid(-1, 0)  # retried after a forwarded signal (PEP 475)
        if reaped == pid:
            status = os.waitstatus_to_exitcode(raw)
            status = status if status >= 0 else 128 - status
    # Whatever CMD's tree orphaned is ours now: give what is already dying the grace to finish.
    deadline = time.monotonic() + grace
    while True:
        reap_dead()
        running = [p for p in children() if alive(p)]
        if not running or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    orphans = [f"orphaned: {p} {cmdline(p)}" for p in running]
    for orphan in running:
        try:
            os.kill(orphan, signal.SIGKILL)
            os.waitpid(orphan, 0)
        except OSError:
            pass
    reap_dead()
    if orphans:
        text = "\n".join(orphans) + "\n"
        sys.stderr.write(text)
        if report:
            with open(report, "a") as f:
                f.write(text)
        return ORPHANED_STATUS
    return status


if __name__ == "__main__":
    sys.exit(main())

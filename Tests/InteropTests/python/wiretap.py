"""Line tee between an MCP stdio client and a server child process (standard library only).

    python3 wiretap.py LOGFILE LABEL -- /path/to/server [args...]

Relays stdin -> child stdin and child stdout -> stdout unchanged, byte for byte, and appends
every line to LOGFILE as "LABEL C>S <line>" / "LABEL S>C <line>". The child's stderr is
inherited. Closing our stdin closes the child's; we exit with the child's exit status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading


def main() -> int:
    argv = sys.argv[1:]
    if len(argv) < 4 or argv[2] != "--":
        print("usage: wiretap.py LOGFILE LABEL -- command [args...]", file=sys.stderr)
        return 2
    log_path, label, command = argv[0], argv[1], argv[3:]
    log = open(log_path, "ab", buffering=0)
    lock = threading.Lock()

    def record(direction: bytes, line: bytes) -> None:
        body = line[:-1] if line.endswith(b"\n") else line
        body = body.replace(b"\r", b"\\r")
        with lock:
            log.write(label.encode() + b" " + direction + b" " + body + b"\n")

    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)

    def forward_signal(signum: int, _frame: object) -> None:
        try:
            child.send_signal(signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward_signal)
    signal.signal(signal.SIGINT, forward_signal)

    def pump_in() -> None:
        assert child.stdin is not None
        stdin = sys.stdin.buffer
        try:
            while True:
                line = stdin.readline()
                if not line:
                    break
                record(b"C>S", line)
                child.stdin.write(line)
                child.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        finally:
            try:
                child.stdin.close()
            except OSError:
                pass

    def pump_out() -> None:
        assert child.stdout is not None
        out = sys.stdout.buffer
        try:
            while True:
                line = child.stdout.readline()
                if not line:
                    break
                record(b"S>C", line)
                out.write(line)
                out.flush()
        except (BrokenPipeError, OSError):
            pass

    t_in = threading.Thread(target=pump_in, daemon=True)
    t_out = threading.Thread(target=pump_out, daemon=True)
    t_in.start()
    t_out.start()
    code = child.wait()
    t_out.join(timeout=5)
    with lock:
        log.write(f"{label} EXIT {code}\n".encode())
    log.close()
    try:
        sys.stdout.flush()
    except OSError:
        pass
    os._exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    sys.exit(main())

"""Drive the server with the official Python SDK 2.3.0 `mcp.Client(mode="auto")` over stdio.

    .venv-interop/bin/python client_auto.py [--timeout S] [--wire-log FILE] -- SERVER [ARGS...]

The probe must end on the modern era (2026-07-28, server/discover, per-request _meta); then every
fixture tool, resource, prompt, completion, progress, cancellation, MRTR input (elicitation,
sampling, roots, requestState), logging and subscriptions/listen is exercised.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sdk2_suite import Suite  # noqa: E402

if __name__ == "__main__":
    Suite("auto", "client_auto.py").main()

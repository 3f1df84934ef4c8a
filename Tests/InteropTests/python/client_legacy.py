"""Drive the server with the official Python SDK 2.3.0 `mcp.Client(mode="legacy")` over stdio.

    .venv-interop/bin/python client_legacy.py [--timeout S] [--wire-log FILE] -- SERVER [ARGS...]

The 2025-11-25 initialize handshake; input requests (elicitation, sampling, roots) arrive as
server→client requests; logging/setLevel, resources/subscribe + notifications/resources/updated,
notifications/{tools,prompts}/list_changed and ping are exercised next to the shared checks.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sdk2_suite import Suite  # noqa: E402

if __name__ == "__main__":
    Suite("legacy", "client_legacy.py").main()

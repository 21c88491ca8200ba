"""Starts a real civhubd on loopback ports for the python tests (tests/e2e):
every port chosen by the system, and the hub's banner read for its id and
HTTP address before the test goes on.

    proc, hub_id, http_addr = launch(CIVHUBD, data_dir, "--sync-interval", "1")
"""
import re
import subprocess
import threading


def launch(civhubd, data, *flags):
    """civhubd on `data` once its banner is out: (process, hub id, HTTP
    address). Its output is drained in the background."""
    proc = subprocess.Popen(
        [civhubd, "--data-dir", data, "--listen", "127.0.0.1:0",
         "--peer-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
         "--log-level", "warn", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    hub_id = http_addr = None
    for line in proc.stdout:
        if "hub id:" in line:
            hub_id = line.split()[-1]
        m = re.search(r"web:\s+http://([^/]+)/", line)
        if m:
            http_addr = m.group(1)
            break
    if not (hub_id and http_addr):
        proc.kill()
        raise AssertionError("civhubd did not print its banner")
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, hub_id, http_addr

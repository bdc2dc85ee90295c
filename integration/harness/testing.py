"""Tiny test runner conventions shared by the integration tests.

Exit codes: 0 pass, 1 fail, 77 skipped (registered as SKIP_RETURN_CODE in ctest).
"""
import os
import shutil
import subprocess
import sys
import time
import traceback

import compat

SKIP = 77


def skip(reason):
    print(f"SKIPPED: {reason}")
    sys.exit(SKIP)


def require_tool(name):
    path = shutil.which(name)
    if path is None:
        skip(f"'{name}' is not installed (run scripts/setup.sh)")
    return path


def require_module(name):
    try:
        return __import__(name)
    except ImportError:
        skip(f"python module '{name}' is not installed for {sys.executable} (run scripts/setup.sh)")


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def run(cmd, timeout, input=None, check_rc=True):
    """Run a client tool with a hard timeout; returns CompletedProcess (bytes)."""
    try:
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise Failure(f"{cmd[0]} timed out after {timeout}s: {' '.join(cmd)}\n"
                      f"stderr: {(e.stderr or b'')[-2000:].decode(errors='replace')}")
    if check_rc and p.returncode != 0:
        raise Failure(f"{' '.join(cmd)} exited {p.returncode}\n"
                      f"stderr: {p.stderr[-2000:].decode(errors='replace')}")
    return p


def main(*tests):
    """Run each test function in order; report like 'N passed, N failed', each test with
    the compatibility flows it proves (compat.py), whose outcomes it records.
    Returns the process exit code (use as sys.exit(main(...)))."""
    only = os.environ.get("FJORD_ONLY")  # e.g. FJORD_ONLY=codec,offsets: tests whose name has one
    if only:
        tests = [t for t in tests if any(part in t.__name__ for part in only.split(","))]
    passed = failed = 0
    for test in tests:
        start = time.monotonic()
        try:
            test()
        except SystemExit:
            raise
        except BaseException:
            failed += 1
            compat.record(test, False)
            print(f"FAIL {test.__name__} ({time.monotonic() - start:.1f}s){compat.flow_label(test)}")
            traceback.print_exc()
        else:
            passed += 1
            compat.record(test, True)
            print(f"ok   {test.__name__} ({time.monotonic() - start:.1f}s){compat.flow_label(test)}")
        sys.stdout.flush()
    compat.write_results(getattr(sys.modules["__main__"], "__file__", "interactive"))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

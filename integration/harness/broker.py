"""Start the real fjord binary on an ephemeral loopback port and always stop it.

    with Broker() as b:            # fresh temporary data dir, removed on exit
        use(b.bootstrap)           # "127.0.0.1:<port>"

    with DataDir() as d:           # a data dir that outlives several brokers
        with Broker(data_dir=d) as b: ...
        with Broker(data_dir=d) as b: ...   # restart on the same data
"""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
LISTENER_LINE = re.compile(r"listening on 127\.0\.0\.1:(\d+) \(([A-Za-z0-9_]+)\)")
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fjord_binary():
    path = os.environ.get("FJORD_BIN") or os.path.join(SOURCE_ROOT, "build", "fjord")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"fjord binary not found or not executable: {path} (set FJORD_BIN)")
    return path


def server_config():
    return os.environ.get("FJORD_CONFIG") or os.path.join(SOURCE_ROOT, "config", "server.properties")


class DataDir:
    """A temporary directory removed on exit."""

    def __init__(self, prefix="fjord-it-"):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
        return False


class Broker:
    def __init__(self, data_dir=None, overrides=None, startup_timeout=30.0, stop_timeout=10.0,
                 open_files_soft_limit=None):
        self.binary = fjord_binary()
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="fjord-it-")
        self.overrides = dict(overrides or {})
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.open_files_soft_limit = open_files_soft_limit  # started under this RLIMIT_NOFILE soft limit
        self.proc = None
        self.port = None
        self.output = []          # every line the broker printed, for failure reports
        self._port_found = threading.Event()
        self._reader = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def host_port(self):
        return ("127.0.0.1", self.port)

    def start(self):
        args = [self.binary, server_config(),
                "--override", "listeners=PLAINTEXT://127.0.0.1:0",
                "--override", f"log.dirs={self.data_dir}"]
        for key, value in self.overrides.items():
            args += ["--override", f"{key}={value}"]
        self.output.clear()
        self._port_found.clear()
        self.port = None
        limit = self.open_files_soft_limit

        def lower_soft_limit():
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace",
                                     start_new_session=True,
                                     preexec_fn=lower_soft_limit if limit else None)
        self._reader = threading.Thread(target=self._read_output, args=(self.proc,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._port_found.wait(0.05):
            if self.proc.poll() is not None:
                self._reader.join(2)
                raise RuntimeError(f"fjord exited with {self.proc.returncode} before listening:\n"
                                   + self.log_tail())
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("fjord did not report 'listening on 127.0.0.1:<port>' within "
                                   f"{self.startup_timeout}s:\n" + self.log_tail())
        return self

    def listener_ports(self, count, timeout=5.0):
        """{listener name: port}, once `count` listeners have reported."""
        deadline = time.monotonic() + timeout
        while True:
            found = {m.group(2): int(m.group(1))
                     for m in map(LISTENER_LINE.search, list(self.output)) if m}
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(found)} of {count} listeners reported:\n" + self.log_tail())
            time.sleep(0.05)

    def storage_reads_by_thread(self):
        """{thread name prefix (as fj-loader): bytes its threads had the block layer read}."""
        totals = {}
        task_dir = f"/proc/{self.proc.pid}/task"
        for tid in os.listdir(task_dir):
            try:
                with open(f"{task_dir}/{tid}/comm") as f:
                    name = f.read().strip().rstrip("0123456789").rstrip("-")
                with open(f"{task_dir}/{tid}/io") as f:
                    fields = dict(line.split(": ") for line in f.read().splitlines())
            except OSError:
                continue  # the thread ended meanwhile
            totals[name] = totals.get(name, 0) + int(fields["read_bytes"])
        return totals

    def _read_output(self, proc):
        for line in proc.stdout:
            self.output.append(line.rstrip("\n"))
            if self.port is None:
                m = LISTENING.search(line)
                if m:
                    self.port = int(m.group(1))
                    self._port_found.set()

    def stop(self):
        """SIGTERM, then SIGKILL after stop_timeout. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            print(f"fjord ignored SIGTERM for {self.stop_timeout}s; killing it", file=sys.stderr)
            self.kill()
        self._join_reader()
        return self.proc.returncode

    def kill(self):
        """SIGKILL, as in a crash. Returns the exit code."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._join_reader()
        return self.proc.returncode if self.proc else None

    def _join_reader(self):
        if self._reader is not None:
            self._reader.join(5)
            self._reader = None

    def log_tail(self, lines=40):
        return "\n".join("  fjord| " + l for l in self.output[-lines:])

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self._cleanup()
            raise

    def __exit__(self, exc_type, exc, tb):
        code = self.stop()
        if exc_type is not None:
            print("broker output (tail):\n" + self.log_tail(), file=sys.stderr)
        self._cleanup()
        if exc_type is None and code not in (0, None):
            raise AssertionError(f"fjord exited with {code} after SIGTERM (expected 0):\n"
                                 + self.log_tail())
        return False

    def _cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

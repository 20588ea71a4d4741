"""Starts real sottod processes on temporary sockets and talks to them."""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

SOTTOD = os.environ.get("SOTTOD", "sottod")
SOTTOCTL = os.environ.get("SOTTOCTL", "sottoctl")


def wait_for(predicate, timeout=5.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


_created_dirs = []


@atexit.register
def _remove_created_dirs():
    for d in _created_dirs:
        shutil.rmtree(d, ignore_errors=True)


def private_network_prefix():
    """A command prefix giving the daemon a network namespace of its own
    (loopback up), or None when that needs root we do not have."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return None
    return ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


# What a config needs so that tests never depend on a fixed port: a test
# daemon takes a free signalling port unless its test chose one.
EPHEMERAL_SIGNALLING = "\n[network]\nsignal_port = 0\n"


def read_log_file(path):
    """A process's log as text; empty when it cannot be read (yet)."""
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


class Daemon:
    """One sottod with its own temporary directory, socket and log."""

    def __init__(self, config_text=None, extra_args=(), workdir=None, prefix=()):
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix="sotto-test-")
            _created_dirs.append(workdir)
        self.dir = workdir
        self.socket = os.path.join(self.dir, "ctl.sock")
        self.config = None
        if config_text is not None:
            self.config = os.path.join(self.dir, "sotto.conf")
            with open(self.config, "w") as f:
                f.write(config_text)
        self.log_path = os.path.join(self.dir, "sottod.log")
        self.extra_args = list(extra_args)
        self.prefix = list(prefix)
        self.proc = None

    def isolate_network(self):
        """Gives the daemon's defaults (signalling on 127.0.0.1:8787) a network
        of their own, so another sottod on the machine cannot collide."""
        if self.config:
            with open(self.config) as f:
                text = f.read()
            if "signal_port" not in text and "signal_address" not in text:
                with open(self.config, "a") as f:
                    f.write(EPHEMERAL_SIGNALLING)
            return
        if self.prefix:
            return
        prefix = private_network_prefix()
        if prefix is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", 8787)) == 0:
                    raise unittest.SkipTest("port 8787 is taken and a private network "
                                            "namespace needs root")
            return
        self.prefix = prefix

    def args(self):
        a = self.prefix + [SOTTOD, "--socket", self.socket, "--log-level", "debug"]
        if self.config:
            a += ["--config", self.config]
        return a + self.extra_args

    def start(self, wait=True):
        self.isolate_network()
        self.log = open(self.log_path, "ab")
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env["XDG_STATE_HOME"] = self.dir
        env.setdefault("XDG_CONFIG_HOME", self.dir)   # never the user's own file
        self.proc = subprocess.Popen(self.args(), stdout=self.log, stderr=self.log, env=env)
        if wait and not wait_for(lambda: self.connectable() or self.proc.poll() is not None):
            raise RuntimeError("sottod did not come up: " + self.read_log())
        if wait and self.proc.poll() is not None:
            raise RuntimeError("sottod exited: " + self.read_log())
        return self

    def connectable(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            try:
                s.connect(self.socket)
                return True
            except OSError:
                return False

    def read_log(self):
        return read_log_file(self.log_path)

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def ctl(self, *args, check=True, timeout=10):
        r = subprocess.run([SOTTOCTL, "--socket", self.socket] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("sottoctl %s failed (%d): %s" % (args, r.returncode, r.stderr))
        return r

    def ctl_json(self, *args):
        return json.loads(self.ctl("--json", *args).stdout)


class Client:
    """A raw control-socket client, for the protocol's edge cases."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.hello = self.read_message()

    def send_raw(self, data):
        self.sock.sendall(data)

    def request(self, cmd, args=None, rid=1):
        msg = {"id": rid, "cmd": cmd}
        if args is not None:
            msg["args"] = args
        self.send_raw(json.dumps(msg).encode() + b"\n")
        return self.read_response()

    def read_message(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by daemon")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def read_response(self):
        while True:
            m = self.read_message()
            if m.get("type") == "response":
                return m

    def close(self):
        self.sock.close()

"""The control socket cannot be hijacked by another local user, and idle
clients cannot lock sottoctl out.

Whoever can write to the socket's directory can move the daemon's socket
aside and listen in its place; whoever listens there reads every request
(tokens included) and forges the replies. So sottod refuses a directory
that another user owns, that group or others may write, or that is a
symlink, and sottoctl refuses a socket served by another user."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (Client, Daemon, EPHEMERAL_SIGNALLING, SOTTOCTL, SOTTOD,  # noqa: E402
                            wait_for)

NOBODY = 65534
CONFIG = "[audio]\nbackend = null\n" + EPHEMERAL_SIGNALLING

# A uid with no account and no files of its own: the daemon's user in the
# /tmp/sotto-UID case. Chosen from the pid so that parallel runs differ.
TEST_UID = 61000 + os.getpid() % 3000

# A listener standing in for an attacker's fake daemon: it greets like
# sottod and records whatever a client sends it.
FAKE_DAEMON = r"""
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(4)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept()
    c.settimeout(2)
    got = b""
    try:
        c.sendall(b'{"type":"hello","protocol":1,"version":"0","pid":1}\n')
        while True:
            chunk = c.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    with open(sys.argv[2], "ab") as f:
        f.write(got)
    c.close()
"""


def need_root(test):
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root to act as two users")


def private_dir(test, mode=0o755):
    d = tempfile.mkdtemp(prefix="sotto-safety-")
    os.chmod(d, mode)
    test.addCleanup(shutil.rmtree, d, True)
    return d


def run_daemon(args, env, user=None, timeout=10):
    """Runs sottod to its end (a refusal ends it at once)."""
    prefix = []
    if user is not None:
        prefix = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"]
    return subprocess.run(prefix + [SOTTOD, "--log-level", "debug"] + args, env=env,
                          capture_output=True, text=True, timeout=timeout)


class DirectoryChecks(unittest.TestCase):
    def setUp(self):
        need_root(self)
        self.work = private_dir(self, 0o755)
        self.config = os.path.join(self.work, "sotto.conf")
        with open(self.config, "w") as f:
            f.write(CONFIG)
        os.chmod(self.config, 0o644)

    def env(self, runtime=None, home=None):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if runtime:
            env["XDG_RUNTIME_DIR"] = runtime
        state = home or self.work
        env["XDG_STATE_HOME"] = state
        env["XDG_CONFIG_HOME"] = state
        env["HOME"] = state
        return env

    def assertRefused(self, r, *words):
        self.assertEqual(r.returncode, 1, "daemon did not refuse:\n" + r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)

    def test_tmp_directory_premade_by_another_user_is_refused(self):
        # A daemon of TEST_UID without XDG_RUNTIME_DIR puts its socket in
        # /tmp/sotto-UID; another user (nobody) made that directory first,
        # world-writable, to plant a listener of its own there.
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv is not installed")
        if not os.access(SOTTOD, os.X_OK) or os.stat(SOTTOD).st_mode & 0o001 == 0:
            self.skipTest("sottod is not executable by other users")
        premade = "/tmp/sotto-%d" % TEST_UID
        shutil.rmtree(premade, ignore_errors=True)
        os.mkdir(premade)
        self.addCleanup(shutil.rmtree, premade, True)
        os.chown(premade, NOBODY, NOBODY)
        os.chmod(premade, 0o777)
        home = private_dir(self, 0o700)
        os.chown(home, TEST_UID, TEST_UID)
        r = run_daemon(["--config", self.config], self.env(home=home), user=TEST_UID)
        self.assertRefused(r, premade, "owned by uid %d" % NOBODY, "refusing")
        self.assertEqual(os.listdir(premade), [], "the daemon put something there")
        # The same directory made by the daemon's own user is accepted.
        os.rmdir(premade)
        proc = subprocess.Popen(["setpriv", "--reuid=%d" % TEST_UID, "--regid=%d" % TEST_UID,
                                 "--clear-groups", SOTTOD, "--config", self.config],
                                env=self.env(home=home), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            sock = os.path.join(premade, "sottod.sock")
            ok = wait_for(lambda: os.path.exists(sock) or proc.poll() is not None, 10)
            self.assertTrue(ok and proc.poll() is None, "daemon did not start in its own "
                            "directory")
            st = os.stat(premade)
            self.assertEqual((st.st_uid, st.st_mode & 0o777), (TEST_UID, 0o700))
        finally:
            proc.terminate()
            proc.wait(10)

    def test_world_writable_runtime_directory_is_refused(self):
        runtime = private_dir(self, 0o700)
        os.mkdir(os.path.join(runtime, "sotto"))
        os.chmod(os.path.join(runtime, "sotto"), 0o777)
        r = run_daemon(["--config", self.config], self.env(runtime))
        self.assertRefused(r, "writable by group or others", "0777")

    def test_directory_of_another_user_is_refused_even_for_root(self):
        runtime = private_dir(self, 0o700)
        sotto = os.path.join(runtime, "sotto")
        os.mkdir(sotto, 0o755)
        os.chown(sotto, NOBODY, NOBODY)
        r = run_daemon(["--config", self.config], self.env(runtime))
        self.assertRefused(r, sotto, "owned by uid %d" % NOBODY)

    def test_symlinked_socket_directory_is_refused(self):
        runtime = private_dir(self, 0o700)
        real = os.path.join(runtime, "elsewhere")
        os.mkdir(real, 0o700)
        os.symlink(real, os.path.join(runtime, "sotto"))
        r = run_daemon(["--config", self.config], self.env(runtime))
        self.assertRefused(r, "not a directory (a symlink?)")
        self.assertEqual(os.listdir(real), [])
        # The same through --socket.
        r = run_daemon(["--config", self.config, "--socket",
                        os.path.join(runtime, "sotto", "ctl.sock")], self.env(runtime))
        self.assertRefused(r, "not a directory (a symlink?)")


class PeerCheck(unittest.TestCase):
    def setUp(self):
        need_root(self)

    def fake_daemon(self, uid, directory):
        """A listener run as uid in directory (made for uid, in /tmp as an
        attacker would); returns the socket path and the file its received
        bytes go to."""
        shutil.rmtree(directory, ignore_errors=True)
        os.mkdir(directory, 0o755)
        self.addCleanup(shutil.rmtree, directory, True)
        os.chown(directory, uid, uid)
        path = os.path.join(directory, "sottod.sock")
        got = os.path.join(directory, "received")
        proc = subprocess.Popen([sys.executable, "-c", FAKE_DAEMON, path, got], user=uid,
                                group=uid, extra_groups=[])
        self.addCleanup(proc.wait, 5)
        self.addCleanup(proc.kill)
        self.assertTrue(wait_for(lambda: os.path.exists(got), 10), "fake daemon did not start")
        return path, got

    def ctl_as(self, uid, *args):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/"}
        prefix = []
        if uid != 0:
            prefix = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"]
        return subprocess.run(prefix + [SOTTOCTL] + list(args), env=env, capture_output=True,
                              text=True, timeout=10)

    def assertNothingSent(self, got):
        time.sleep(0.3)
        with open(got, "rb") as f:
            self.assertEqual(f.read(), b"", "sottoctl sent its request to the impostor")

    def test_sottoctl_refuses_the_default_socket_served_by_another_user(self):
        # The hijack itself: nobody made /tmp/sotto-UID first and listens
        # there; the user's sottoctl (default path, no XDG_RUNTIME_DIR) must
        # not send it a request.
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv is not installed")
        path, got = self.fake_daemon(NOBODY, "/tmp/sotto-%d" % TEST_UID)
        r = self.ctl_as(TEST_UID, "status")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn(path, r.stderr)
        self.assertIn("served by uid %d" % NOBODY, r.stderr)
        self.assertNothingSent(got)

    def test_root_refuses_a_socket_of_another_user_in_tmp(self):
        d = private_dir(self)
        path, got = self.fake_daemon(NOBODY, d)
        r = self.ctl_as(0, "--socket", path, "status")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("served by uid %d" % NOBODY, r.stderr)
        self.assertNothingSent(got)

    def test_sottoctl_talks_to_its_own_user(self):
        # The same fake daemon run as the caller's own user gets the
        # request: the check refuses the other user, not every listener.
        if shutil.which("setpriv") is None:
            self.skipTest("setpriv is not installed")
        path, got = self.fake_daemon(TEST_UID, "/tmp/sotto-%d" % TEST_UID)
        self.ctl_as(TEST_UID, "--timeout", "1", "version")
        self.assertTrue(wait_for(lambda: os.path.getsize(got) > 0, 5),
                        "sottoctl sent nothing to its own user's daemon")


class IdleClients(unittest.TestCase):
    def test_idle_clients_are_closed_and_free_their_slots(self):
        d = Daemon(CONFIG + "[control]\nmax_clients = 4\nidle_timeout = 1\n").start()
        self.addCleanup(d.stop)
        follower = Client(d.socket)
        self.assertTrue(follower.request("events", {"follow": True})["ok"])
        idle = [Client(d.socket) for _ in range(3)]
        t0 = time.monotonic()
        r = d.ctl("status", check=False)
        self.assertEqual(r.returncode, 1, "a fifth client was served: " + r.stdout)
        self.assertIn("busy", r.stdout + r.stderr)
        for c in idle:
            m = c.read_message()
            self.assertEqual((m["type"], m["error"]["code"]), ("response", "idle"), m)
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, 3.0, "idle clients closed after %.2f s" % elapsed)
        for c in idle:
            c.close()
        st = d.ctl_json("status")["control"]
        self.assertGreaterEqual(st["idle_clients"], 3)
        # The subscriber outlived the timeout and is still served.
        time.sleep(1.6)
        self.assertEqual(follower.request("version")["ok"], True)
        follower.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

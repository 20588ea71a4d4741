"""A new account's first start: no ~/.local/state, no $XDG_* variables.
sottod must create its state and runtime directories with their missing
parents, mode 0700, as the XDG base directory spec says."""
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import SOTTOCTL, SOTTOD, wait_for  # noqa: E402

XDG = ("XDG_STATE_HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME")


class FreshUser(unittest.TestCase):
    def setUp(self):
        self.top = tempfile.mkdtemp(prefix="sotto-fresh-")
        self.addCleanup(shutil.rmtree, self.top, True)
        os.chmod(self.top, 0o755)
        self.home = os.path.join(self.top, "home")
        self.user = None
        self.run_as = {}
        if os.geteuid() == 0 and shutil.which("useradd"):
            self.user = "sotto-t" + uuid.uuid4().hex[:8]
            subprocess.run(["useradd", "--no-create-home", "--home-dir", self.home,
                            "--shell", "/usr/sbin/nologin", self.user], check=True)
            self.addCleanup(subprocess.run, ["userdel", self.user], check=False)
            os.mkdir(self.home, 0o755)
            pw = pwd.getpwnam(self.user)
            os.chown(self.home, pw.pw_uid, pw.pw_gid)
            self.uid = pw.pw_uid
            self.run_as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        else:
            os.mkdir(self.home, 0o755)
            self.uid = os.geteuid()
        self.config = os.path.join(self.top, "sotto.conf")
        with open(self.config, "w") as f:
            f.write("[audio]\nbackend = null\n[network]\nsignal_port = 0\n")
        os.chmod(self.config, 0o644)
        self.env = {k: v for k, v in os.environ.items() if k not in XDG}
        self.env.pop("NOTIFY_SOCKET", None)
        self.env.pop("SOTTO_SOCKET", None)
        self.env["HOME"] = self.home
        self.runtime = "/tmp/sotto-%d" % self.uid
        if self.user:
            self.addCleanup(shutil.rmtree, self.runtime, True)

    def test_creates_missing_xdg_directories_private(self):
        if not self.user and os.path.exists(self.runtime):
            self.skipTest("not root: %s is this account's and in use" % self.runtime)
        log = open(os.path.join(self.top, "sottod.log"), "wb")
        proc = subprocess.Popen([SOTTOD, "--config", self.config], env=self.env,
                                stdout=log, stderr=log, **self.run_as)
        sock = os.path.join(self.runtime, "sottod.sock")
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(sock) or proc.poll() is not None),
                            "no socket")
            self.assertIsNone(proc.poll(), open(log.name).read())
            r = subprocess.run([SOTTOCTL, "status"], env=self.env, capture_output=True,
                               text=True, timeout=10, **self.run_as)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(sock, r.stdout)
            for d in (".local", ".local/state", ".local/state/sotto"):
                st = os.stat(os.path.join(self.home, d))
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o700, d)
                self.assertEqual(st.st_uid, self.uid, d)
            self.assertTrue(os.path.exists(os.path.join(self.home, ".local/state/sotto",
                                                        "identity.pem")))
            self.assertEqual(stat.S_IMODE(os.stat(self.runtime).st_mode), 0o700)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(5), 0)
            log.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Two network namespaces joined by a veth pair, with a link profile applied
to each side's egress: tc netem where the kernel has it, else the fallback
(tbf for the rate, an iptables NFQUEUE rule and one sotto-impair helper per
namespace for delay, jitter, loss, duplication and reordering).

    with Emulator("edge") as emu:
        subprocess.run(emu.prefix(emu.ns_a) + ["some-program"])

Needs root. Addresses come from TEST-NET-1 (RFC 5737) and exist only inside
the namespaces; no traffic leaves them."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

from .profiles import Profile, get_profile

ADDR_A = "192.0.2.1"
ADDR_B = "192.0.2.2"
NS_PREFIX = "sotto-netem-"
QUEUE_NUM = 7            # NFQUEUE numbers are per namespace: one suffices
HELPER_READY_S = 5.0
HELPER_STOP_S = 5.0
BACKENDS = ("auto", "netem", "fallback", "none")


class EmulatorError(RuntimeError):
    """Setting up or tearing down the emulated link failed."""


def _run(argv, check=True):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True)
    except OSError as exc:
        raise EmulatorError("cannot run %s: %s" % (argv[0], exc)) from None
    if check and proc.returncode != 0:
        raise EmulatorError("%s failed (exit %d): %s" % (
            " ".join(argv), proc.returncode, (proc.stderr or proc.stdout).strip()))
    return proc


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def namespaces_available():
    """Whether this process may create network namespaces (root, iproute2)."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    name = "%sprobe-%d-%s" % (NS_PREFIX, os.getpid(), uuid.uuid4().hex[:6])
    try:
        return _run(["ip", "netns", "add", name], check=False).returncode == 0
    finally:
        _run(["ip", "netns", "del", name], check=False)


def netem_available():
    """Whether the kernel has the netem qdisc: tries it on a veth in a
    throwaway namespace."""
    if os.geteuid() != 0 or not shutil.which("tc"):
        return False
    tag = uuid.uuid4().hex[:6]
    name = "%sprobe-%d-%s" % (NS_PREFIX, os.getpid(), tag)
    if _run(["ip", "netns", "add", name], check=False).returncode != 0:
        return False
    try:
        if _run(["ip", "-n", name, "link", "add", "snp" + tag, "type", "veth",
                 "peer", "name", "snq" + tag], check=False).returncode != 0:
            return False
        return _run(["ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", "snp" + tag,
                     "root", "netem", "delay", "1ms"], check=False).returncode == 0
    finally:
        _run(["ip", "netns", "del", name], check=False)


def nfqueue_available():
    """Whether iptables can add an NFQUEUE rule (tried in a throwaway namespace)."""
    if os.geteuid() != 0 or not shutil.which("iptables"):
        return False
    name = "%sprobe-%d-%s" % (NS_PREFIX, os.getpid(), uuid.uuid4().hex[:6])
    if _run(["ip", "netns", "add", name], check=False).returncode != 0:
        return False
    try:
        return _run(["ip", "netns", "exec", name, "iptables", "-w", "-A", "OUTPUT", "-o", "lo",
                     "-j", "NFQUEUE", "--queue-num", "1", "--queue-bypass"],
                    check=False).returncode == 0
    finally:
        _run(["ip", "netns", "del", name], check=False)


def cleanup_stale():
    """Deletes namespaces this module left behind in runs whose process is
    gone (the creating pid is in the name), with anything still running in
    them. Returns the names removed."""
    proc = _run(["ip", "netns", "list"], check=False)
    removed = []
    for line in proc.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(NS_PREFIX):
            continue
        parts = name[len(NS_PREFIX):].split("-")
        if len(parts) < 3 or not parts[1].isdigit() or _pid_alive(int(parts[1])):
            continue
        pids = _run(["ip", "netns", "pids", name], check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ValueError, ProcessLookupError):
                pass
        _run(["ip", "netns", "del", name], check=False)
        removed.append(name)
    return removed


def find_impair_bin(explicit=None):
    """sotto-impair: the given path, $SOTTO_IMPAIR, the PATH, or a build
    directory of this source tree. None when nowhere."""
    if explicit:
        return explicit
    if os.environ.get("SOTTO_IMPAIR"):
        return os.environ["SOTTO_IMPAIR"]
    found = shutil.which("sotto-impair")
    if found:
        return found
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for build in ("build", "builddir"):
        path = os.path.join(root, build, "tests", "netem", "sotto-impair")
        if os.access(path, os.X_OK):
            return path
    return None


class Emulator:
    """An emulated link between two namespaces; use it as a context manager
    (close() removes everything, also after errors)."""

    def __init__(self, profile, backend="auto", impair_bin=None, seed=None):
        if backend not in BACKENDS:
            raise ValueError("backend must be one of %s" % ", ".join(BACKENDS))
        self.profile = profile if isinstance(profile, Profile) else get_profile(profile)
        self.requested_backend = backend
        self.impair_bin = impair_bin
        self.seed = seed
        tag = "%d-%s" % (os.getpid(), uuid.uuid4().hex[:6])
        self.ns_a = NS_PREFIX + "a-" + tag
        self.ns_b = NS_PREFIX + "b-" + tag
        short = uuid.uuid4().hex[:8]
        self.dev_a, self.dev_b = "sna" + short, "snb" + short   # 15-byte limit
        self.addr_a, self.addr_b = ADDR_A, ADDR_B
        self.backend = None
        self._helpers = {}       # direction -> (Popen, stats path, stderr file)
        self._final_stats = {}
        self._exit_codes = {}    # direction -> helper exit status once stopped
        self._tmp = None
        self._created = []
        self.commands = []       # impairment argvs as run, namespace prefix included

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def prefix(self, ns):
        """The argv prefix that runs a command in namespace ns."""
        return ["ip", "netns", "exec", ns]

    def sides(self):
        """(direction, namespace, device) for each egress."""
        return (("a_to_b", self.ns_a, self.dev_a), ("b_to_a", self.ns_b, self.dev_b))

    def _choose_backend(self):
        want = self.requested_backend
        if want == "none" or self.profile.is_clean():
            return "none"
        if want == "auto":
            return "netem" if netem_available() else "fallback"
        if want == "netem" and not netem_available():
            raise EmulatorError("this kernel has no netem qdisc (sch_netem); "
                                "use --backend fallback")
        return want

    def start(self):
        if os.geteuid() != 0:
            raise EmulatorError("network namespaces need root")
        cleanup_stale()
        self.backend = self._choose_backend()
        if self.backend == "fallback" and self.profile.needs_helper():
            self.impair_bin = find_impair_bin(self.impair_bin)
            if not self.impair_bin:
                raise EmulatorError("sotto-impair not found: build it (tests/netem) or "
                                    "give its path (--impair-bin, $SOTTO_IMPAIR)")
        for ns in (self.ns_a, self.ns_b):
            _run(["ip", "netns", "add", ns])
            self._created.append(ns)
        _run(["ip", "link", "add", self.dev_a, "netns", self.ns_a, "type", "veth",
              "peer", "name", self.dev_b, "netns", self.ns_b])
        for ns, dev, addr in ((self.ns_a, self.dev_a, ADDR_A), (self.ns_b, self.dev_b, ADDR_B)):
            _run(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev])
            _run(["ip", "-n", ns, "link", "set", dev, "up"])
            _run(["ip", "-n", ns, "link", "set", "lo", "up"])
        if self.backend == "netem":
            for _, ns, dev in self.sides():
                for argv in self.profile.netem_argvs(dev, verb="add"):
                    self._impair(self.prefix(ns) + argv)
        elif self.backend == "fallback":
            self._tmp = tempfile.mkdtemp(prefix="sotto-netem-")
            for i, (direction, ns, dev) in enumerate(self.sides()):
                self._apply_fallback(direction, ns, dev, i)

    def _apply_fallback(self, direction, ns, dev, index):
        stats = os.path.join(self._tmp, direction + ".json")
        seed = None if self.seed is None else self.seed * 2 + index
        for argv in self.profile.fallback_argvs(dev, QUEUE_NUM, self.impair_bin, seed,
                                                stats, verb="add"):
            if argv[0] == self.impair_bin:
                self.commands.append(self.prefix(ns) + argv)
                self._start_helper(direction, ns, argv, stats)
            else:
                self._impair(self.prefix(ns) + argv)

    def _impair(self, argv):
        self.commands.append(argv)
        _run(argv)

    def _start_helper(self, direction, ns, argv, stats):
        err = open(os.path.join(self._tmp, direction + ".log"), "w+")
        proc = subprocess.Popen(self.prefix(ns) + argv, stdout=subprocess.DEVNULL, stderr=err)
        self._helpers[direction] = (proc, stats, err)
        # The helper writes its statistics file once the queue is bound.
        deadline = time.monotonic() + HELPER_READY_S
        while not os.path.exists(stats):
            if proc.poll() is not None or time.monotonic() > deadline:
                err.seek(0)
                raise EmulatorError("sotto-impair in %s did not start: %s" % (
                    ns, err.read().strip() or "no statistics file after %.0f s" % HELPER_READY_S))
            time.sleep(0.02)

    def helper_exit_codes(self):
        """Exit status of each helper once stopped (None while running)."""
        codes = {d: h[0].returncode for d, h in self._helpers.items()}
        codes.update(self._exit_codes)
        return codes

    def _stop_helpers(self):
        for direction, (proc, stats, err) in self._helpers.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(HELPER_STOP_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self._exit_codes[direction] = proc.returncode
            stats_now = self._read_stats(stats)
            if stats_now is not None:
                self._final_stats[direction] = stats_now
            err.close()

    @staticmethod
    def _read_stats(path):
        try:
            with open(path) as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def _qdisc_stats(self, ns, dev):
        proc = _run(self.prefix(ns) + ["tc", "-s", "-j", "qdisc", "show", "dev", dev],
                    check=False)
        try:
            qdiscs = json.loads(proc.stdout)
        except ValueError:
            return None
        for q in qdiscs:
            if q.get("root") or q.get("parent") in (None, "root"):
                return {"kind": q.get("kind"), "packets": q.get("packets", 0),
                        "bytes": q.get("bytes", 0), "drops": q.get("drops", 0),
                        "overlimits": q.get("overlimits", 0)}
        return None

    def impair_stats(self):
        """Per direction: the helper's statistics (fallback; its final ones
        after close()), or the netem qdisc's tc -s counters mapped to the same
        names. "qdisc" holds the root qdisc's counters while the link exists."""
        out = {}
        for direction, ns, dev in self.sides():
            entry = {}
            if direction in self._final_stats:
                entry.update(self._final_stats[direction])
            elif direction in self._helpers:
                entry.update(self._read_stats(self._helpers[direction][1]) or {})
            if ns in self._created:
                q = self._qdisc_stats(ns, dev)
                if q:
                    entry["qdisc"] = q
                    if self.backend == "netem":
                        entry.update({"packets": q["packets"] + q["drops"],
                                      "dropped": q["drops"]})
            out[direction] = entry
        return out

    def close(self):
        """Stops the helpers, deletes the namespaces (and with them the veth,
        qdiscs and iptables rules). Safe to call more than once."""
        self._stop_helpers()
        self._helpers = {}
        for ns in self._created:
            _run(["ip", "netns", "del", ns], check=False)
        self._created = []
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

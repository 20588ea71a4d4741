"""Two network namespaces joined by a veth pair, for tests and the demo.
Addresses come from TEST-NET-1 (RFC 5737) and exist only inside them."""
import os
import subprocess
import uuid

ADDR_A = "192.0.2.1"
ADDR_B = "192.0.2.2"


def run(*args):
    subprocess.run(list(args), check=True, capture_output=True)


def available():
    if os.geteuid() != 0:
        return False
    probe = "sotto-probe-%s" % uuid.uuid4().hex[:6]
    try:
        run("ip", "netns", "add", probe)
        run("ip", "netns", "del", probe)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


class NetnsPair:
    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.a = "sotto-a-" + tag
        self.b = "sotto-b-" + tag
        veth_a, veth_b = "sva" + tag, "svb" + tag
        run("ip", "netns", "add", self.a)
        run("ip", "netns", "add", self.b)
        try:
            run("ip", "link", "add", veth_a, "netns", self.a, "type", "veth",
                "peer", "name", veth_b, "netns", self.b)
            for ns, dev, addr in ((self.a, veth_a, ADDR_A), (self.b, veth_b, ADDR_B)):
                run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
                run("ip", "-n", ns, "link", "set", dev, "up")
                run("ip", "-n", ns, "link", "set", "lo", "up")
            self.dev_a, self.dev_b = veth_a, veth_b
        except subprocess.CalledProcessError:
            self.close()
            raise

    def prefix(self, ns):
        return ["ip", "netns", "exec", ns]

    def close(self):
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

"""Debian's Janus WebRTC server with a generated configuration: only the
AudioBridge plugin and the plain HTTP and WebSocket transports, on loopback,
free ports, its own temporary configuration folder."""
import json
import os
import shutil
import socket
import subprocess
import urllib.request

from daemon_harness import read_log_file, wait_for

JANUS = "/usr/bin/janus"
JANUS_LIB = "/usr/lib/x86_64-linux-gnu/janus"
ROOM = 1234
PIN = "4321"


def have_janus():
    return (os.access(JANUS, os.X_OK)
            and os.path.exists(os.path.join(JANUS_LIB, "plugins", "libjanus_audiobridge.so"))
            and os.path.exists(os.path.join(JANUS_LIB, "transports", "libjanus_http.so"))
            and os.path.exists(os.path.join(JANUS_LIB, "transports", "libjanus_websockets.so")))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_range(count=40):
    """A first port of count consecutive free UDP ports (best effort)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + count >= 65535:
            continue
        ok = True
        for p in range(first, first + count):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return first
    raise RuntimeError("no free UDP port range")


class Janus:
    """One janus process; start() again after stop() keeps ports and rooms."""

    def __init__(self, workdir, ice_address, rooms=((ROOM, PIN),), sampling_rate=16000):
        self.dir = os.path.join(workdir, "janus")
        os.makedirs(self.dir, exist_ok=True)
        # The API on loopback; media on ice_address, because Janus never
        # gathers loopback candidates.
        self.address = "127.0.0.1"
        self.ice_address = ice_address
        self.port = free_port()
        self.ws_port = free_port()
        self.rtp_first = free_udp_range()
        self.rooms = rooms
        self.sampling_rate = sampling_rate
        self.proc = None
        self.log_path = os.path.join(self.dir, "janus.log")
        self.write_config()

    @property
    def url(self):
        return "janus+http://%s:%d/janus" % (self.address, self.port)

    @property
    def ws_url(self):
        return "janus+ws://%s:%d/" % (self.address, self.ws_port)

    @property
    def http_url(self):
        return "http://%s:%d/janus" % (self.address, self.port)

    def write_config(self):
        disabled = sorted(f for f in os.listdir(os.path.join(JANUS_LIB, "plugins"))
                          if f.endswith(".so") and "audiobridge" not in f)
        transports = sorted(f for f in os.listdir(os.path.join(JANUS_LIB, "transports"))
                            if f.endswith(".so") and "http" not in f and "websockets" not in f)
        with open(os.path.join(self.dir, "janus.jcfg"), "w") as f:
            f.write('general: {\n configs_folder = "%s"\n plugins_folder = "%s/plugins"\n'
                    ' transports_folder = "%s/transports"\n events_folder = "%s/events"\n'
                    ' loggers_folder = "%s/loggers"\n debug_level = 4\n session_timeout = 60\n'
                    '}\nmedia: {\n rtp_port_range = "%d-%d"\n}\n'
                    'nat: {\n ice_enforce_list = "%s"\n}\n'
                    'plugins: {\n disable = "%s"\n}\ntransports: {\n disable = "%s"\n}\n'
                    'events: {\n broadcast = false\n}\n'
                    % (self.dir, JANUS_LIB, JANUS_LIB, JANUS_LIB, JANUS_LIB, self.rtp_first,
                       self.rtp_first + 39, self.ice_address, ",".join(disabled),
                       ",".join(transports)))
        with open(os.path.join(self.dir, "janus.plugin.audiobridge.jcfg"), "w") as f:
            f.write("general: {\n}\n")
            for room, pin in self.rooms:
                f.write('room-%d: {\n description = "test room %d"\n sampling_rate = %d\n%s}\n'
                        % (room, room, self.sampling_rate,
                           ' pin = "%s"\n' % pin if pin else ""))
        with open(os.path.join(self.dir, "janus.transport.http.jcfg"), "w") as f:
            f.write('general: {\n json = "plain"\n base_path = "/janus"\n http = true\n'
                    ' port = %d\n ip = "%s"\n https = false\n}\nadmin: {\n admin_http = false\n}\n'
                    % (self.port, self.address))
        with open(os.path.join(self.dir, "janus.transport.websockets.jcfg"), "w") as f:
            f.write('general: {\n json = "plain"\n ws = true\n ws_port = %d\n ws_ip = "%s"\n'
                    ' wss = false\n}\nadmin: {\n admin_ws = false\n admin_wss = false\n}\n'
                    % (self.ws_port, self.address))

    def api(self, body, path=""):
        req = urllib.request.Request(self.http_url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=5) as resp:
            return json.loads(resp.read())

    def ready(self):
        try:
            return self.api({"janus": "info", "transaction": "probe"}).get("janus") == "server_info"
        except OSError:
            return False

    def start(self, prefix=()):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(list(prefix) + [JANUS, "-F", self.dir, "-C",
                                     os.path.join(self.dir, "janus.jcfg"), "-o"],
                                     stdout=self.log, stderr=self.log)
        if not wait_for(lambda: self.ready() or self.proc.poll() is not None, 20, 0.1) \
                or self.proc.poll() is not None:
            raise RuntimeError("janus did not start: " + self.read_log()[-2000:])
        return self

    def read_log(self):
        return read_log_file(self.log_path)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
            self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

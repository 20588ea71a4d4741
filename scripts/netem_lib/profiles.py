"""Link profiles: nominal figures per direction (both directions alike) and
the exact commands that apply them, with netem or with the fallback."""
import collections
import shlex
from dataclasses import dataclass
from typing import Optional

# Duplicates sotto-impair resends carry this mark; its NFQUEUE rule skips it.
BYPASS_MARK = "0x50770000/0xffff0000"
# The fallback's tbf: tbf drops any packet larger than its burst, so the
# burst holds one full-size Ethernet frame and no more (a bigger burst would
# let a slow link run faster than its rate after each pause).
TBF_MIN_BYTES = 1600
# The tbf queue holds a quarter second at the link rate, like a modem's
# buffer, but never less than one full-size frame: the queueing delay stays
# bounded instead of growing as netem's 1000-packet queue lets it.
TBF_QUEUE_SECONDS = 0.25


def _num(x):
    """Figures as a user would type them: 150, 0.1, 5.882."""
    return ("%.4f" % x).rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    rate_kbit: int = 0            # link rate, kbit/s; 0 = unlimited
    delay_ms: float = 0.0         # one-way delay, ms
    jitter_ms: float = 0.0        # standard deviation of the delay, ms (normal)
    loss_pct: float = 0.0         # random loss, percent
    ge: Optional[dict] = None     # Gilbert-Elliott {p, r, h, k} in percent, netem semantics
    dup_pct: float = 0.0          # duplicated packets, percent
    reorder_pct: float = 0.0      # packets sent at once past the delay, percent

    def is_clean(self):
        return not (self.rate_kbit or self.delay_ms or self.jitter_ms or self.loss_pct
                    or self.ge or self.dup_pct or self.reorder_pct)

    def needs_helper(self):
        """Whether the fallback needs sotto-impair (tbf alone does the rate)."""
        return bool(self.delay_ms or self.jitter_ms or self.loss_pct or self.ge
                    or self.dup_pct or self.reorder_pct)

    def expected_loss_pct(self):
        """Long-run loss: for Gilbert-Elliott the share of time in each state
        times the loss there (pi_bad = p / (p + r))."""
        if not self.ge:
            return self.loss_pct
        p, r = self.ge["p"] / 100.0, self.ge["r"] / 100.0
        if p + r == 0:
            return 100.0 - self.ge["k"]
        bad = p / (p + r)
        return 100.0 * (bad * (1 - self.ge["h"] / 100.0)
                        + (1 - bad) * (1 - self.ge["k"] / 100.0))

    def expected_burst(self):
        """Mean run of consecutive losses: 1 / r when the bad state loses
        everything and the good one nothing, 1 / (1 - loss) for random loss."""
        if self.ge:
            if self.ge["h"] == 0 and self.ge["k"] == 100 and self.ge["r"] > 0:
                return 100.0 / self.ge["r"]
            return None
        if self.loss_pct <= 0:
            return 0.0
        return 1.0 / (1.0 - self.loss_pct / 100.0)

    def netem_args(self):
        """The netem options, as tc takes them."""
        args = []
        if self.delay_ms or self.jitter_ms:
            args += ["delay", _num(self.delay_ms) + "ms"]
            if self.jitter_ms:
                args += [_num(self.jitter_ms) + "ms", "distribution", "normal"]
        if self.ge:
            # tc takes p, r, 1-h, 1-k.
            args += ["loss", "gemodel", _num(self.ge["p"]) + "%", _num(self.ge["r"]) + "%",
                     _num(100 - self.ge["h"]) + "%", _num(100 - self.ge["k"]) + "%"]
        elif self.loss_pct:
            args += ["loss", "random", _num(self.loss_pct) + "%"]
        if self.dup_pct:
            args += ["duplicate", _num(self.dup_pct) + "%"]
        if self.reorder_pct:
            args += ["reorder", _num(self.reorder_pct) + "%"]
        if self.rate_kbit:
            args += ["rate", "%dkbit" % self.rate_kbit]
        return args

    def netem_argvs(self, dev, verb="replace"):
        if self.is_clean():
            return []
        return [["tc", "qdisc", verb, "dev", dev, "root", "netem"] + self.netem_args()]

    def netem_commands(self, dev):
        """What a user runs on a real interface (shapes its egress)."""
        return [shlex.join(a) for a in self.netem_argvs(dev)]

    def tbf_args(self):
        rate_bytes = self.rate_kbit * 1000 / 8
        limit = max(TBF_MIN_BYTES, int(rate_bytes * TBF_QUEUE_SECONDS))
        return ["tbf", "rate", "%dkbit" % self.rate_kbit, "burst", str(TBF_MIN_BYTES),
                "limit", str(limit)]

    def impair_args(self, queue, seed=None, stats=None):
        args = ["--queue", str(queue)]
        if self.delay_ms:
            args += ["--delay-ms", _num(self.delay_ms)]
        if self.jitter_ms:
            args += ["--jitter-ms", _num(self.jitter_ms)]
        if self.ge:
            args += ["--ge", ",".join(_num(self.ge[k]) for k in "prhk")]
        elif self.loss_pct:
            args += ["--loss", _num(self.loss_pct)]
        if self.dup_pct:
            args += ["--dup", _num(self.dup_pct)]
        if self.reorder_pct:
            args += ["--reorder", _num(self.reorder_pct)]
        if seed is not None:
            args += ["--seed", str(seed)]
        if stats:
            args += ["--stats", stats]
        return args

    def fallback_argvs(self, dev, queue=0, impair_bin="sotto-impair", seed=None,
                       stats=None, verb="replace"):
        """tbf for the rate, an NFQUEUE rule and the helper for the rest. The
        helper must run in the same network namespace as the rule."""
        argvs = []
        if self.rate_kbit:
            argvs.append(["tc", "qdisc", verb, "dev", dev, "root"] + self.tbf_args())
        if self.needs_helper():
            argvs.append(["iptables", "-w", "-A", "OUTPUT", "-o", dev, "-m", "mark", "!",
                          "--mark", BYPASS_MARK, "-j", "NFQUEUE", "--queue-num",
                          str(queue), "--queue-bypass"])
            argvs.append([impair_bin] + self.impair_args(queue, seed, stats))
        return argvs

    def fallback_commands(self, dev, queue=0, impair_bin="sotto-impair"):
        return [shlex.join(a) for a in self.fallback_argvs(dev, queue, impair_bin)]


def _ge_bursty():
    # Mean burst 3 packets: r = 1/3; p chosen so that p / (p + r) = 0.15.
    r = 100.0 / 3.0
    return {"p": round(0.15 * r / 0.85, 3), "r": round(r, 2), "h": 0.0, "k": 100.0}


PROFILES = collections.OrderedDict((p.name, p) for p in [
    Profile("clean", "no impairment"),
    Profile("dsl", "DSL line: 1 Mbit/s, 15 ms one-way, 2 ms jitter, 0.1% loss",
            rate_kbit=1000, delay_ms=15, jitter_ms=2, loss_pct=0.1),
    Profile("edge", "EDGE mobile: 200 kbit/s, 300 ms RTT, 20 ms jitter, 1% loss",
            rate_kbit=200, delay_ms=150, jitter_ms=20, loss_pct=1),
    Profile("gprs", "GPRS mobile: 40 kbit/s, 600 ms RTT, 40 ms jitter, 2% loss",
            rate_kbit=40, delay_ms=300, jitter_ms=40, loss_pct=2),
    Profile("satellite", "geostationary satellite: 1 Mbit/s, 600 ms RTT, 30 ms jitter",
            rate_kbit=1000, delay_ms=300, jitter_ms=30),
    Profile("lossy10", "10% random loss, 20 ms one-way", delay_ms=20, loss_pct=10),
    Profile("bursty", "Gilbert-Elliott loss: 15% in bursts of 3 packets, 20 ms one-way",
            delay_ms=20, ge=_ge_bursty()),
    Profile("slow8k", "8 kbit/s link, 200 ms RTT, no loss", rate_kbit=8, delay_ms=100),
    Profile("slow8k-lossy", "8 kbit/s link, 200 ms RTT, 10% random loss", rate_kbit=8,
            delay_ms=100, loss_pct=10),
])


def get_profile(name):
    """The profile called name; KeyError listing the known names otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError("unknown profile %r (known: %s)" % (name, ", ".join(PROFILES))) from None

"""Slow and lossy link emulation for Sotto's tests: link profiles, a pair of
network namespaces with the profile applied (tc netem, or tbf + iptables
NFQUEUE + sotto-impair where the kernel has no netem), and a UDP probe that
measures what the emulated link really does."""

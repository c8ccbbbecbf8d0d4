# shellcheck shell=bash disable=SC2034,SC2154
# log-to.sh: where a script's failure lines go (IPF_LOG_TO) and how they are written, shared by notify.sh,
# verdict.sh and the one-shot check wrapper. Each of those ships as one file (a key of a ConfigMap), so
# scripts/build.mjs puts this file's body (what follows the first blank line) in place of their
# `# @include` line. Bash builtins only: notify.sh and verdict.sh start no process (strace, in the tests).
# The including script sets `prog`, the first word of its messages, and uses `log_to`: the codes
# disabled above are about that, in this file alone.
#
# Why log_append writes as it does (the body below keeps the short version, as the hot path parses it):
# A log that would block is never waited on: keepalived gives a notify hook no timeout (a hook stuck in
# open(2) is a process leaked per transition), and kills a check that outlives its interval. Opening a
# FIFO or pipe write-only blocks until it has a reader, and bash cannot open O_NONBLOCK; but on Linux an
# O_RDWR open (`<>`) of a FIFO never blocks, since the script is then a reader itself. So a FIFO or pipe
# (-p, which also matches /proc/1/fd/2 when PID 1's stderr is a pipe, as under a container runtime) is
# written through `<>`: a reader gets the line, and with none the line is dropped when the script closes
# it. Anything else keeps `>>` (O_APPEND): `<>` on a regular file would overwrite it from offset 0.
# What remains: a pipe whose reader holds it open but never reads blocks the write once its buffer
# (64 KiB) is full, and bash has no non-blocking write. That is accepted for the default, /proc/1/fd/2:
# the container runtime reads PID 1's stderr (it is what `oc logs` shows) for as long as the pod runs,
# and a runtime that stopped reading would stall PID 1's own writes to it, and the pod with them, first.
# A FIFO named in IPF_LOG_TO is expected to be read in the same way.

# IPF_LOG_TO, resolved as logTarget in core/report.ts resolves it (test/shell.test.ts holds them
# together): `none`, no log; unset or empty, PID 1's stderr when this process may write it, because
# keepalived sends a script's own output to /dev/null and PID 1's reaches `oc logs`; else that path.
log_to=${IPF_LOG_TO-}
case $log_to in
  none) log_to='' ;;
  '') if [[ -w /proc/1/fd/2 ]]; then log_to=/proc/1/fd/2; fi ;;
esac

# log_append LINE: appends LINE to log_to. A log that cannot be written is reported on stderr and
# changes nothing else.
# A FIFO or pipe is opened read-write (`<>`), which never blocks on open, as `>>` would with no reader;
# anything else is appended to (`>>`, O_APPEND). See the header of core/log-to.sh for why.
log_append() {
  if [[ -p $log_to ]]; then
    { printf '%s\n' "$1" 1<>"$log_to"; } 2>/dev/null
  else
    { printf '%s\n' "$1" >>"$log_to"; } 2>/dev/null
  fi || printf '%s\n' "$prog: cannot append to IPF_LOG_TO $log_to" >&2
}

#!/bin/bash
# verdict.sh: keepalived's check (OPENSHIFT_HA_CHECK_SCRIPT) when the checks run in the resident prober.
#
#   verdict.sh CHECK[,CHECK…] [--dry-run]        CHECK: tcp-check, http-check or externalip-check
#
# keepalived splits the script string into arguments, so
#   OPENSHIFT_HA_CHECK_SCRIPT="/etc/ipfailover-toolkit/verdict.sh http-check,externalip-check"
# gates the deployment on several checks although keepalived runs one script.
#
# Each run rings the prober on 127.0.0.1:IPF_PROBER_PORT with one line (core/prober-protocol.ts):
#   ipft2 <IPF_POD_UID> <checks> <nonce> <budget ms>
# and waits for `ready <nonce>`. Its constants (the protocol's, the defaults, the settings refused here)
# are those of the TypeScript definitions: the build writes them to the file included below. The TCP reply only says that the verdict is ready: any process on the
# node can hold the port while the prober is down. The verdict itself is the file
# $IPF_STATE_DIR/verdict-<nonce> in the pod's own emptyDir, which a squatter cannot write; so a squatter
# can fail a run, never pass one. Exit 0 only when every named check passed this run and the file's
# version, pod, checks and nonce are this run's; every other outcome exits 1, before keepalived's timeout.
#
# Hysteresis is applied here, to what keepalived is told: IPF_CHECK_FALL and IPF_CHECK_RISE count every
# failure, the absent prober included, so a prober restart shorter than FALL runs moves no VIP. A fresh
# start counts as failing until RISE passes, as keepalived's init_fail does: otherwise a restart with
# FALL > 1 would pass a dead application, and a `state MASTER` slot would pull its VIP into a black hole.
# `--dry-run` asks without counting, for people.
#
# Bash builtins only: keepalived runs this every interval, so it costs what the stock check costs (one
# execve, no fork, no subshell: test/verdict.test.ts proves it with strace). It keeps one budget,
# measured with EPOCHREALTIME, across the connect, the reply and the file:
#   keepalived's timeout (interval) > this budget (interval - 100 ms) > the probe's deadline.
# A connect through /dev/tcp cannot be timed out; on loopback it either fails at once (nobody
# listens) or completes in the kernel (the prober keeps a large backlog), and the read is timed.
set -u
export LC_ALL=C TZ=UTC
# A reply read from a socket the peer closed must not kill this process with SIGPIPE (exit 141, no line).
trap '' PIPE

readonly prog=verdict.sh
readonly started=${EPOCHREALTIME-}
# Values are checked with glob patterns, not =~: bash compiles a regular expression at every use, and
# regcomp of bounded repeats such as {0,63} cost more than the whole stock check (bench/prober.ts).

# digits VALUE MAX_LENGTH: whether VALUE is 1 to MAX_LENGTH decimal digits.
digits() { [[ -n $1 && $1 != *[!0-9]* ]] && ((${#1} <= $2)); }

# shellcheck source=SCRIPTDIR/../../dist/shell-constants/verdict.sh
. "${BASH_SOURCE%/*}/../../dist/shell-constants/verdict.sh" # @include

state_dir=${IPF_STATE_DIR:-$default_state_dir}
# shellcheck source=SCRIPTDIR/../../core/log-to.sh
. "${BASH_SOURCE%/*}/../../core/log-to.sh" # @include

# log LINE: LINE to stderr, and with a UTC time stamp to IPF_LOG_TO (log_append: never waits on a FIFO).
log() {
  printf '%s\n' "$1" >&2
  [[ -n $log_to ]] || return 0
  local stamp now=${EPOCHREALTIME-0.000000}
  printf -v stamp '%(%Y-%m-%dT%H:%M:%S)T' "${now%.*}"
  stamp+=".${now:${#now}-6:3}Z"
  log_append "$stamp $1"
}

# usage_error MESSAGE: a run that cannot ask at all fails now, whatever IPF_CHECK_FALL says.
usage_error() {
  log "$prog: FAIL $1"
  exit 1
}

# µs since the epoch, from EPOCHREALTIME (bash 5.0); the decimal separator is a dot under LC_ALL=C.
now_us() { now=${EPOCHREALTIME/./}; }

if [[ $started != *.?????? || $started == *[!0-9.]* ]]; then
  usage_error "needs bash 5.0 or newer for EPOCHREALTIME (this is bash ${BASH_VERSION-unknown})"
fi
started_us=${started/./}

dry_run=0
checks=''
for argument in "$@"; do
  case $argument in
    --dry-run) dry_run=1 ;;
    *)
      if [[ -n $checks ]]; then usage_error "expected one list of checks and at most --dry-run, got another argument"; fi
      checks=$argument
      ;;
  esac
done
known_checks=1
rest=$checks,
count=0
while [[ -n $rest ]]; do
  known=0
  for name in "${prober_checks[@]}"; do
    [[ ${rest%%,*} == "$name" ]] && known=1
  done
  ((known)) || known_checks=0
  rest=${rest#*,}
  count=$((count + 1))
done
if ((!known_checks || count > ${#prober_checks[@]})); then
  shown=${checks:0:100}
  listed=${prober_checks[*]:0:${#prober_checks[@]}-1}
  usage_error "expected the checks to ask for as an argument, a comma list of ${listed// /, } and ${prober_checks[-1]}, got ${shown@Q}"
fi

# Check settings belong to the prober's container. Set here, they would be silently ignored: an
# `oc set env` on the wrong container must fail loudly instead. refused_settings holds glob patterns.
misplaced=()
for name in "${!IPF_@}"; do
  for pattern in "${refused_settings[@]}"; do
    # shellcheck disable=SC2053 # a glob match, as meant
    if [[ $name == $pattern ]]; then
      misplaced+=("$name")
      break
    fi
  done
done
if ((${#misplaced[@]} > 0)); then
  usage_error "${misplaced[*]:0:3} set in the keepalived container: check settings belong to the ipft-prober container (its envFrom ConfigMap ipfailover-toolkit-settings), where the checks run"
fi

interval=${OPENSHIFT_HA_CHECK_INTERVAL:-$default_interval}
port=${IPF_PROBER_PORT:-$default_prober_port}
uid=${IPF_POD_UID-}
fall=${IPF_CHECK_FALL:-$default_check_fall}
rise=${IPF_CHECK_RISE:-$default_check_rise}
if ! digits "$interval" 4 || ((10#$interval > 4294)); then
  usage_error "OPENSHIFT_HA_CHECK_INTERVAL: expected a whole number of seconds from 1 to 4294, got ${interval@Q}"
fi
interval=$((10#$interval > 0 ? 10#$interval : 1))
if ! digits "$port" 5 || ((10#$port < 1 || 10#$port > 65535)); then
  usage_error "IPF_PROBER_PORT: expected a port from 1 to 65535, got ${port:0:20}"
fi
if [[ -z $uid || $uid == -* || $uid == *[!0-9a-f-]* ]] || ((${#uid} > 64)); then
  usage_error "IPF_POD_UID: expected the pod UID from the downward API (fieldRef metadata.uid), got ${uid:0:64}"
fi
for name in fall rise; do
  value=${!name}
  if ! digits "$value" ${#threshold_max} || ((10#$value < 1 || 10#$value > threshold_max)); then
    usage_error "IPF_CHECK_${name^^}: expected a whole number from 1 to $threshold_max, got ${value:0:20}"
  fi
done
fall=$((10#$fall)) rise=$((10#$rise))
if ! digits "${SRANDOM-}" 10; then
  usage_error "needs bash 5.1 or newer for SRANDOM, the nonce of each run (this is bash ${BASH_VERSION-unknown})"
fi

readonly budget_ms=$((interval * 1000 - client_margin_ms))
readonly deadline_us=$((started_us + budget_ms * 1000))
readonly nonce=$SRANDOM$SRANDOM
readonly verdict_file=$state_dir/$verdict_prefix$nonce
readonly where="127.0.0.1:$port"

# Straight-line code, no functions: bash copies a function's whole command tree when it defines one,
# which made up half of this script's instructions (valgrind --tool=callgrind). Each `while` below runs
# once; `break` leaves it with `ok` and `reason` set.
ok=0
reason=''
readonly head="$protocol_version $uid $checks $nonce"
while :; do
  now_us
  request="$head $(((deadline_us - now) / 1000))"
  if ! { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    reason="no prober on $where: is the ipft-prober container running?"
    break
  fi
  if ! { printf '%s\n' "$request" >&"$fd"; } 2>/dev/null; then
    exec {fd}>&-
    reason="the connection to $where closed before the request was sent: is the ipft-prober container restarting?"
    break
  fi
  now_us
  left_us=$((deadline_us - now))
  if ((left_us <= 0)); then
    exec {fd}>&-
    reason="no time left to wait for $where within $budget_ms ms"
    break
  fi
  printf -v left '%d.%06d' $((left_us / 1000000)) $((left_us % 1000000))
  reply=''
  # read keeps what arrived before a time-out or EOF: its status, not the variable, says a line came.
  # A reset would have read print its own error: the reason line below is the run's one line.
  read -r -t "$left" -n "$reply_max_bytes" -u "$fd" reply 2>/dev/null
  status=$?
  exec {fd}>&-
  if ((status > 128)); then
    reason="no answer from $where within $budget_ms ms: is the ipft-prober container stopped or overloaded?"
    break
  elif ((status != 0)); then
    reason="$where closed the connection without a whole answer (${#reply} bytes): is the ipft-prober container restarting?"
    break
  fi
  if [[ $reply == refused\ * ]]; then
    # Whatever holds the port wrote this: a control byte must not reach the log or the JSON record.
    said=${reply#refused }
    reason="the prober on $where refused the request: ${said//[^[:print:]]/?}"
    break
  fi
  if [[ $reply != "ready $nonce" ]]; then
    reason="a malformed answer from $where: another process may hold the port (ss -ltnp | grep :$port)"
    break
  fi
  if [[ ! -f $verdict_file ]]; then
    reason="no verdict file for this run in $state_dir: whatever answered on $where is not this pod's prober"
    break
  fi
  line=''
  read -r -n "$verdict_max_bytes" line <"$verdict_file" 2>/dev/null
  if [[ $line == "$head pass" ]]; then
    ok=1
  elif [[ $line == "$head fail "* ]]; then
    reason=${line#"$head fail "}
  else
    reason="the verdict file $verdict_file does not match this run"
  fi
  break
done

if ((dry_run)); then
  if ((ok)); then printf '%s\n' "$prog: PASS $checks"; else printf '%s\n' "$prog: FAIL $reason"; fi
  exit $((1 - ok))
fi

# The streak: `passing failures passes`, as core/hysteresis.ts keeps it. A missing or corrupt one is a
# fresh start (freshStreaks.prober there).
readonly streak_file=$state_dir/$streak_file_name
passing=$fresh_passing failures=0 passes=0
if [[ -f $streak_file ]]; then
  read -r -n 64 saved_passing saved_failures saved_passes _ <"$streak_file" 2>/dev/null
  if [[ ${saved_passing-} == [01] ]] && digits "${saved_failures-}" ${#streak_max} &&
    digits "${saved_passes-}" ${#streak_max} && ((10#$saved_failures <= streak_max)) &&
    ((10#$saved_passes <= streak_max)) && ! ((10#$saved_failures > 0 && 10#$saved_passes > 0)); then
    passing=$saved_passing failures=$((10#$saved_failures)) passes=$((10#$saved_passes))
  fi
fi
if ((ok)); then
  failures=0 passes=$((passes < streak_max ? passes + 1 : passes))
  ((passes >= rise)) && passing=1
else
  passes=0 failures=$((failures < streak_max ? failures + 1 : failures))
  ((failures >= fall)) && passing=0
fi
{ printf '%s %s %s\n' "$passing" "$failures" "$passes" >"$streak_file"; } 2>/dev/null ||
  log "$prog: cannot write the streak $streak_file (IPF_STATE_DIR): hysteresis starts afresh next run"

# What keepalived was told, for the exporter: check-verdict.json, in the checks' record format
# (StatusRecord, core/report.ts).
now_us
json_reason=${reason-}
json_reason=${json_reason//[[:cntrl:]]/?}
json_reason=${json_reason//\\/\\\\}
json_reason=${json_reason//\"/\\\"}
((ok)) && json_reason=''
ok_json=false passing_json=false
((ok)) && ok_json=true
((passing)) && passing_json=true
printf -v record '{"check":"%s","checks":"%s","ok":%s,"reason":"%s","duration_ms":%d,"at":%s,"passing":%s,"consecutive_failures":%d,"consecutive_passes":%d,"log_skipped_total":0}' \
  "$verdict_check_name" "$checks" "$ok_json" "$json_reason" $(((now - started_us) / 1000)) "${EPOCHREALTIME}" "$passing_json" "$failures" "$passes"
{ printf '%s\n' "$record" >"$state_dir/$verdict_record_file"; } 2>/dev/null ||
  log "$prog: cannot write the status record $state_dir/$verdict_record_file (IPF_STATE_DIR)"

if ((!ok)); then
  if ((passing)); then
    log "$prog: FAIL $reason (failure $failures of IPF_CHECK_FALL=$fall, still passing)"
  else
    log "$prog: FAIL $reason"
  fi
elif ((!passing)); then
  log "$prog: PASS held back (pass $passes of IPF_CHECK_RISE=$rise, still failing)"
fi
exit $((1 - passing))

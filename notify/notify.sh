#!/bin/bash
# notify.sh: keepalived's notify hook for OpenShift ipfailover (OPENSHIFT_HA_NOTIFY_SCRIPT).
#
#   notify.sh INSTANCE|GROUP <name> MASTER|BACKUP|FAULT|STOP|DELETED [<priority>]
#
# Appends one JSON line per transition to the spool, transitions.jsonl in IPF_STATE_DIR, in the format of
# core/transition.ts, which the exporter reads:
#   {"ts":1795652381.123456,"node":"worker-1","type":"INSTANCE","name":"web_VIP_1","state":"MASTER","priority":250}
# and one human line `<UTC time> notify.sh: <name> -> <STATE> (priority <p>)` to IPF_LOG_TO (a file, a FIFO,
# `none`, or unset: /proc/1/fd/2 when writable, because keepalived sends the hook's own output to /dev/null).
#
# keepalived runs the hook fire-and-forget: no timeout, concurrently, in any order. So the hot path uses bash
# builtins only (no date, no hostname: not one fork or exec), takes no lock and waits for nothing. Each hook
# builds its whole line first and appends it with one O_APPEND write, which concurrent hooks cannot tear.
# The image has bash 5.1 and no Node.js; EPOCHREALTIME needs bash 5.0.
#
# Exit 0: appended. 1: the append failed, or the spool is not a regular file. 2: malformed arguments or
# NODE_NAME; nothing is appended.
# Every value that reaches the JSON is matched against a pattern first, so no JSON can be injected. The
# patterns, the states and the spool's name are core/transition.ts's: the build writes them to the file
# included below.
set -u
# C locale: EPOCHREALTIME's decimal separator is a dot, and [A-Z] in the patterns below is ASCII only.
# UTC: the log line's time.
export LC_ALL=C TZ=UTC

readonly prog=notify.sh

# shellcheck source=SCRIPTDIR/../dist/shell-constants/notify.sh
. "${BASH_SOURCE%/*}/../dist/shell-constants/notify.sh" # @include

# NAME_PATTERN and NODE_PATTERN of core/transition.ts, with the length checked apart: regcomp expands
# a bounded repeat such as {1,253} into a large automaton, which made up a quarter of the hook's CPU.
printf -v characters '%s' "${name_characters[@]}"
readonly name_pattern="^[$characters]+\$"
printf -v characters '%s' "${node_characters[@]}"
readonly node_pattern="^[$characters]+\$"
readonly priority_pattern='^(0|[1-9][0-9]{0,2})$'
types=${transition_types[*]} states=${transition_states[*]}
readonly usage="${types// /|} <name> ${states// /|} [<priority>]"

now=${EPOCHREALTIME-}
state_dir=${IPF_STATE_DIR:-$default_state_dir}
spool=$state_dir/$spool_file

# shellcheck source=SCRIPTDIR/../core/log-to.sh
. "${BASH_SOURCE%/*}/../core/log-to.sh" # @include

# log MESSAGE: appends `<UTC time> notify.sh: MESSAGE` to IPF_LOG_TO (log_append: never waits on a FIFO).
log() {
  [[ -n $log_to ]] || return 0
  local stamp
  printf -v stamp '%(%Y-%m-%dT%H:%M:%SZ)T' "${now%.*}"
  log_append "$stamp $prog: $1"
}

# fail CODE MESSAGE: one line to stderr and IPF_LOG_TO, then exit CODE.
fail() {
  printf '%s\n' "$prog: $2" >&2
  log "$2"
  exit "$1"
}

# quoted VALUE: sets `shown` to VALUE shell-quoted (on one line whatever it holds) and cut to 100 characters.
quoted() {
  local value=$1 more=''
  if ((${#value} > 100)); then
    value=${value:0:100}
    more="... (${#1} characters)"
  fi
  shown="${value@Q}$more"
}

if [[ ! $now =~ ^[0-9]+\.[0-9]{6}$ ]]; then
  fail 1 "needs bash 5.0 or newer for EPOCHREALTIME (this is bash ${BASH_VERSION-unknown})"
fi

if (($# < 3 || $# > 4)); then
  shown=${*@Q}
  if ((${#shown} > 200)); then shown="${shown:0:200}..."; fi
  fail 2 "expected 3 or 4 arguments ($usage), got $#${shown:+: $shown}"
fi

# one_of VALUE WORD…: whether VALUE is one of the words.
one_of() {
  local value=$1 word
  shift
  for word in "$@"; do [[ $value == "$word" ]] && return 0; done
  return 1
}

type=$1 name=$2 state=$3 priority=${4-}
problems=()
if ! one_of "$type" "${transition_types[@]}"; then
  quoted "$type"
  problems+=("type: expected ${types// / or }, got $shown")
fi
if [[ ! $name =~ $name_pattern ]] || ((${#name} > name_max)); then
  quoted "$name"
  problems+=("name: expected 1 to $name_max of the characters ${name_characters[*]}, got $shown")
fi
if ! one_of "$state" "${transition_states[@]}"; then
  quoted "$state"
  listed=${transition_states[*]:0:${#transition_states[@]}-1}
  problems+=("state: expected ${listed// /, } or ${transition_states[-1]}, got $shown")
fi
if (($# == 3)); then
  priority_json=null
elif [[ $priority =~ $priority_pattern ]] && ((priority <= priority_max)); then
  priority_json=$priority
else
  quoted "$priority"
  problems+=("priority: expected a whole number from 0 to $priority_max without leading zeros, got $shown")
fi
node=${NODE_NAME:-${HOSTNAME-}}
if [[ ! $node =~ $node_pattern ]] || ((${#node} > node_max)); then
  quoted "$node"
  source_of_node=NODE_NAME
  [[ -n ${NODE_NAME-} ]] || source_of_node='HOSTNAME (NODE_NAME is unset)'
  problems+=("$source_of_node: expected 1 to $node_max of the characters ${node_characters[*]}, got $shown")
fi
if ((${#problems[@]} > 0)); then
  message=${problems[0]}
  for problem in "${problems[@]:1}"; do message+="; $problem"; done
  fail 2 "$message"
fi

printf -v line '{"ts":%s,"node":"%s","type":"%s","name":"%s","state":"%s","priority":%s}' \
  "$now" "$node" "$type" "$name" "$state" "$priority_json"

# One write(2) of the whole line to a file opened with O_APPEND. bash's own message for a failed
# redirection is replaced by the one below.
append() { { printf '%s\n' "$line" >>"$spool"; } 2>/dev/null; }

# Only a regular file is appended to on the hot path (one stat(2) more, no fork). The spool is the
# durable record: `>>` on a FIFO with no reader would block in open(2) for ever, and on a device such as
# /dev/null it would "succeed" and lose the line. So anything there but a regular file (or nothing: the
# first hook creates it) fails the hook with exit 1, at once.
if ! { [[ -f $spool ]] && append; }; then
  # Cold path: the first hook after boot, a removed directory, or something other than a file in the
  # spool's place. Hooks racing here are fine: mkdir -p accepts a directory that another hook has just made.
  [[ -d $state_dir ]] || mkdir -p -- "$state_dir" 2>/dev/null
  if [[ -e $spool && ! -f $spool ]] || ! append; then
    if [[ ! -d $state_dir ]]; then
      why="$state_dir is not a directory and mkdir -p cannot make it"
    elif [[ -d $spool ]]; then
      why='it is a directory'
    elif [[ -p $spool ]]; then
      why='it is a FIFO, not a regular file (appending could block for ever)'
    elif [[ -c $spool ]]; then
      why='it is a character device, not a regular file'
    elif [[ -b $spool ]]; then
      why='it is a block device, not a regular file'
    elif [[ -S $spool ]]; then
      why='it is a socket, not a regular file'
    elif [[ -e $spool && ! -w $spool ]]; then
      why='the file is not writable'
    elif [[ ! -e $spool && ! -w $state_dir ]]; then
      why="the directory $state_dir is not writable"
    else
      why='the write failed (file system full or read-only?)'
    fi
    fail 1 "cannot append the $state transition of $name to $spool: $why"
  fi
fi

log "$name -> $state (priority ${priority:-none})"
exit 0

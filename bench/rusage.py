"""Runs commands and prints one JSON line per run with its CPU time and peak RSS.

Node has no wait4(), so it cannot read a child's rusage; Python's os.wait4 gives both figures
with microsecond precision. Input on stdin:
  {"rounds": N, "commands": [{"name", "argv", "env"}]}: each command once per round, round-robin,
    which spreads the machine's noise evenly over the commands;
  {"burst": {"name", "argv", "env", "count"}}: `count` copies started at once; one line with the
    summed CPU time, the wall time and the epoch time the last copy exited.
"""
import json
import os
import subprocess
import sys
import time

spec = json.load(sys.stdin)


def environment(command):
    env = dict(os.environ)
    env.update(command.get("env", {}))
    return env


def start(command, argv=None):
    return subprocess.Popen(argv or command["argv"], env=environment(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if "burst" in spec:
    burst = spec["burst"]
    began = time.time()
    children = [start(burst, [arg.replace("{i}", str(index + 1)) for arg in burst["argv"]]) for index in range(burst["count"])]
    cpu = 0.0
    exits = set()
    for child in children:
        _, status, usage = os.wait4(child.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        exits.add(os.waitstatus_to_exitcode(status))
    ended = time.time()
    print(json.dumps({"name": burst["name"], "cpu_s": cpu, "wall_s": ended - began, "last_exit": ended, "exits": sorted(exits)}), flush=True)
else:
    for round_index in range(spec["rounds"]):
        for command in spec["commands"]:
            child = start(command)
            _, status, usage = os.wait4(child.pid, 0)
            print(json.dumps({
                "name": command["name"],
                "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
                "max_rss_kib": usage.ru_maxrss,
                "exit": os.waitstatus_to_exitcode(status),
            }), flush=True)

"""Runs commands round-robin and prints one JSON line per run with its CPU time and peak RSS.

Node has no wait4(), so it cannot read a child's rusage; Python's os.wait4 gives both figures
with microsecond precision. Round-robin spreads the machine's noise evenly over the commands.
Input on stdin: {"rounds": N, "commands": [{"name": ..., "argv": [...], "env": {...}}]}.
"""
import json
import os
import subprocess
import sys

spec = json.load(sys.stdin)
for round_index in range(spec["rounds"]):
    for command in spec["commands"]:
        env = dict(os.environ)
        env.update(command.get("env", {}))
        child = subprocess.Popen(command["argv"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        print(json.dumps({
            "name": command["name"],
            "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
            "max_rss_kib": usage.ru_maxrss,
            "exit": os.waitstatus_to_exitcode(status),
        }), flush=True)

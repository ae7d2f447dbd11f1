"""Runs a command and reports its peak memory, read from /proc while it runs.

usage: peak_memory.py [--interval 0.005] -- COMMAND [ARG...]

Prints one line, "exit E peak_rss B peak_anon B peak_file B", after the command ends (its own output
passes through), and exits with the command's status. peak_rss is the kernel's high-water mark of the
command's resident set (VmHWM, read until the process ends); peak_anon and peak_file are the largest
RssAnon (heap: copies of weights) and RssFile (mapped file pages: the binary, memory-mapped weights) seen
while sampling every INTERVAL seconds. Unlike ru_maxrss of a child, VmHWM starts afresh at exec, so the
memory of this (Python) process before exec does not count.
"""

import os
import subprocess
import sys
import time


def status_fields(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "RssAnon", "RssFile"):
                    fields[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return fields


def run(command, interval=0.005, **popen_arguments):
    """Runs `command`; returns (exit status, peak VmHWM, peak RssAnon, peak RssFile) in bytes."""
    child = subprocess.Popen(command, **popen_arguments)
    peaks = {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}
    while True:
        # waitid with WNOWAIT leaves the child a zombie whose /proc entry is gone, so sample first.
        fields = status_fields(child.pid)
        for key, value in fields.items():
            peaks[key] = max(peaks[key], value)
        if child.poll() is not None:
            break
        time.sleep(interval)
    return child.returncode, peaks["VmHWM"], peaks["RssAnon"], peaks["RssFile"]


def main():
    arguments = sys.argv[1:]
    interval = 0.005
    if arguments[:1] == ["--interval"]:
        interval = float(arguments[1])
        arguments = arguments[2:]
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    if not arguments:
        sys.exit("usage: peak_memory.py [--interval S] -- COMMAND [ARG...]")
    status, peak, anon, mapped = run(arguments, interval)
    print(f"exit {status} peak_rss {peak} peak_anon {anon} peak_file {mapped}", flush=True)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()

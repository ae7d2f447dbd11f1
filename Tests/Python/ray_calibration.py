"""Sharded calibration on Ray: each shard is a Ray task running `qdqc calibrate`, then `qdqc calib-merge`.

usage: ray_calibration.py --qdqc QDQC --model MODEL --calib-data FOLDER --shards N --out TABLE
                          [--calib-method M] [--calib-option NAME=VALUE ...] [--workers K]
                          [--address ADDRESS] [--work-dir DIR]

The recipe of docs/calibration.md ("Sharded calibration"):

1. The samples of FOLDER (one file or folder per sample, natural name order) are dealt into N shards:
   folders of symbolic links under the work dir (contiguous runs, so the shards are the samples in order).
2. Each shard is one Ray task that runs the qdqc binary on it -- `qdqc calibrate MODEL --calib-data SHARD
   -o PART ...` -- and returns the part's bytes through Ray's object store, so the driver needs no shared
   folder for the results (the workers do need MODEL, the shards and the binary: a shared file system or
   the same paths on every node).
3. The driver writes the parts and runs `qdqc calib-merge PART... -o TABLE`.

Entropy with grid=known-range (its default) takes two rounds: minmax parts first, merged into the table
whose magnitudes the entropy parts use (--calib-known-range); every other method takes one.

Without --address, Ray starts a local cluster of K worker processes (ray.init(num_cpus=K)) and stops it at
the end; with --address, the tasks go to that cluster. Prints JSON: the parts, the distinct worker process
ids that ran them, the driver's process id, the table and the seconds taken.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import ray


def natural_key(name):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def deal_shards(folder, shards, work_dir):
    """Contiguous shards of the samples in natural order, as folders of symbolic links; empty shards are dropped."""
    samples = sorted((n for n in os.listdir(folder) if not n.startswith(".")), key=natural_key)
    if not samples:
        raise SystemExit(f"error: {folder}: no calibration samples")
    size, extra = divmod(len(samples), shards)
    folders, start = [], 0
    for index in range(shards):
        count = size + (1 if index < extra else 0)
        if count == 0:
            continue
        shard = os.path.join(work_dir, f"shard-{index:04d}")
        os.makedirs(shard)
        for name in samples[start:start + count]:
            os.symlink(os.path.abspath(os.path.join(folder, name)), os.path.join(shard, name))
        folders.append(shard)
        start += count
    return folders


@ray.remote
def calibrate_shard(qdqc, model, shard, arguments):
    """One Ray task: `qdqc calibrate` on one shard; returns the part's bytes and the worker's process id."""
    with tempfile.TemporaryDirectory(prefix="qdqc-part-") as scratch:
        part = os.path.join(scratch, "part.json")
        run = subprocess.run(
            [qdqc, "calibrate", model, "--calib-data", shard, "-o", part, "--quiet"] + arguments,
            capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"qdqc calibrate on {shard} failed ({run.returncode}): {run.stderr.strip()}")
        with open(part, "rb") as file:
            return file.read(), os.getpid()


def calibrate_round(args, shards, arguments, name, work_dir):
    """Runs one task per shard, writes their parts, merges them into `name` in work_dir; returns (table, pids)."""
    futures = [calibrate_shard.remote(args.qdqc, args.model, shard, arguments) for shard in shards]
    parts, pids = [], set()
    for index, (data, pid) in enumerate(ray.get(futures)):
        part = os.path.join(work_dir, f"{name}-part-{index:04d}.json")
        with open(part, "wb") as file:
            file.write(data)
        parts.append(part)
        pids.add(pid)
    table = os.path.join(work_dir, f"{name}.json")
    merge = subprocess.run([args.qdqc, "calib-merge", *parts, "-o", table, "--quiet"], capture_output=True, text=True)
    if merge.returncode != 0:
        raise SystemExit(f"error: qdqc calib-merge failed ({merge.returncode}): {merge.stderr.strip()}")
    return table, parts, pids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qdqc", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--calib-data", required=True)
    parser.add_argument("--shards", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--calib-method", default="minmax")
    parser.add_argument("--calib-option", action="append", default=[])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--address")
    parser.add_argument("--work-dir")
    args = parser.parse_args()
    args.qdqc, args.model = os.path.abspath(args.qdqc), os.path.abspath(args.model)

    work_dir = args.work_dir or tempfile.mkdtemp(prefix="qdqc-ray-")
    os.makedirs(work_dir, exist_ok=True)
    shards = deal_shards(args.calib_data, args.shards, work_dir)
    method = ["--calib-method", args.calib_method] + [a for o in args.calib_option for a in ("--calib-option", o)]
    two_rounds = args.calib_method == "entropy" and "grid=streaming" not in args.calib_option

    started = time.time()
    if args.address:
        ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    else:
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    try:
        pids = set()
        if two_rounds:
            ranges, _, round_pids = calibrate_round(args, shards, [], "known-range", work_dir)
            pids |= round_pids
            method += ["--calib-known-range", ranges]
        table, parts, round_pids = calibrate_round(args, shards, method, "merged", work_dir)
        pids |= round_pids
    finally:
        ray.shutdown()
    os.replace(table, args.out)
    json.dump(
        {"parts": parts, "worker_pids": sorted(pids), "driver_pid": os.getpid(), "table": args.out,
         "seconds": time.time() - started},
        sys.stdout)
    print()


if __name__ == "__main__":
    main()

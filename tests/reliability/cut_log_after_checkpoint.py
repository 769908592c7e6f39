"""Simulates a node crash that lost the page cache: cuts RUN_DIR/lineage.jsonl
at a byte drawn from RANDOM between what the checkpoint covers (fsync'ed
before it was written) and the end. Prints the bytes cut.

    python3 cut_log_after_checkpoint.py RUN_DIR RANDOM
"""
import json
import os
import sys

run_dir, r = sys.argv[1], int(sys.argv[2])
covered = json.load(open(f"{run_dir}/checkpoint.json"))["lineage_bytes"]
size = os.path.getsize(f"{run_dir}/lineage.jsonl")
cut = covered + (r % (size - covered + 1))
os.truncate(f"{run_dir}/lineage.jsonl", cut)
print(size - cut)

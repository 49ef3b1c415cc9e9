#!/usr/bin/env bash
# Slurm integration test: starts a single-node Slurm on this machine (munge, slurmctld, slurmd
# from Debian's slurm-wlm), submits the smoke matrix with `d2ace-bench slurm --submit`, waits for
# the merge job, checks the merged summary; then breaks two cells and resubmits with
# --failed-only, checking that only those two ran again. Skipped (exit 77, reason printed) only
# when the daemons cannot start here.
#   usage: tests/slurm_integration.sh PATH/TO/d2ace-bench
set -uo pipefail
bin=$(readlink -f "$1")
src=$(cd "$(dirname "$0")/.." && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*"; show_logs; exit 1; }

for b in munged munge unmunge slurmctld slurmd sbatch squeue sinfo scancel; do
  command -v "$b" > /dev/null || [ -x "/usr/sbin/$b" ] || skip "$b not installed (scripts/setup installs slurm-wlm and munge)"
done
[ "$(id -u)" -eq 0 ] || skip "starting slurmd needs root here"

work=$(mktemp -d /tmp/d2ace-slurm.XXXXXX)
mkdir -p "$work/state" "$work/spool" "$work/log"
started_munge=""
cleanup() {
  scancel --quiet --full --user=root 2> /dev/null
  for p in slurmd slurmctld; do [ -f "$work/$p.pid" ] && kill "$(cat "$work/$p.pid")" 2> /dev/null; done
  [ -n "$started_munge" ] && kill "$started_munge" 2> /dev/null
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
show_logs() { tail -n 20 "$work"/log/*.log 2> /dev/null; tail -n 20 "$work"/mx/slurm/logs/* 2> /dev/null; }

# munge: use a running daemon, else start one.
if ! munge -n 2> /dev/null | unmunge > /dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey --create --force > /dev/null 2>&1 || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2> /dev/null; }
  chown munge:munge /etc/munge/munge.key 2> /dev/null; chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged 2> "$work/log/munged.log" || /usr/sbin/munged --force 2>> "$work/log/munged.log"
  started_munge=$(pgrep -n munged)
  sleep 1
  munge -n 2> /dev/null | unmunge > /dev/null 2>&1 || skip "munged could not start: $(tail -n 3 "$work/log/munged.log")"
fi

host=$(hostname)
port=$(( 17000 + ($$ % 1000) * 2 ))
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" << EOF2
ClusterName=d2acetest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MaxArraySize=1001
NodeName=$host CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF2
/usr/sbin/slurmctld -f "$SLURM_CONF" > "$work/log/start.log" 2>&1 || skip "slurmctld could not start: $(tail -n 3 "$work/log/start.log")"
/usr/sbin/slurmd -f "$SLURM_CONF" >> "$work/log/start.log" 2>&1 || skip "slurmd could not start: $(tail -n 3 "$work/log/start.log")"
for _ in $(seq 1 30); do
  state=$(sinfo -h -o %T 2> /dev/null | head -n 1)
  [ "$state" = "idle" ] && break
  sleep 1
done
[ "$state" = "idle" ] || skip "the Slurm node did not come up (state '$state'): $(tail -n 3 "$work/log/slurmd.log" 2> /dev/null)"
echo "slurm: single-node cluster up on $host (ports $port, $(( port + 1 )))"

# Waits for every job to leave the queue (at most $1 seconds).
wait_queue() {
  for _ in $(seq 1 "$1"); do
    [ -z "$(squeue -h 2> /dev/null)" ] && return 0
    sleep 1
  done
  return 1
}

mx="$work/mx"
# Arrays of at most 2 tasks: the 4 cells need two arrays with offsets, as a large matrix would.
"$bin" slurm "$src/configs/smoke.json" --out "$mx" --cpus-per-task 1 --max-array-size 3 --submit || fail "submit"
[ "$(ls "$mx"/slurm/cells-*.sbatch | wc -l)" -eq 2 ] || fail "expected two array scripts"
wait_queue 300 || fail "jobs still queued after 300 s"
[ -f "$mx/summary.json" ] || fail "the merge job wrote no summary"
python3 - "$mx/summary.json" << 'PY' || fail "summary check"
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s["cells"]) == 4, len(s["cells"])
assert all(c["state"] == "done" for c in s["cells"])
assert [g["selector"] for g in s["groups"]] == ["d2ace[warmup=1]", "uniform"], s["groups"]
assert all(g["done"] == 2 for g in s["groups"])
PY
echo "slurm: 4 cells and the merge ran"

# Break two cells (one missing, one unreadable), resubmit only those.
cells=( $(ls "$mx/cells") )
rm "$mx/cells/${cells[0]}"
echo '{"kind": "run", "ce' > "$mx/cells/${cells[1]}"
touch -d '2001-01-01' "$mx/cells/${cells[2]}" "$mx/cells/${cells[3]}"
rm "$mx/summary.json"
"$bin" slurm "$src/configs/smoke.json" --out "$mx" --cpus-per-task 1 --failed-only --submit || fail "resubmit"
grep -q -- '--array=' "$mx/slurm/cells-0.sbatch" || fail "no array script"
[ "$(grep -c '' <<< "$(grep -- '--array=' "$mx"/slurm/cells-*.sbatch)")" -eq 1 ] || fail "expected one array"
wait_queue 300 || fail "jobs still queued after 300 s"
[ -f "$mx/summary.json" ] || fail "no summary after the resubmission"
for c in "${cells[2]}" "${cells[3]}"; do
  [ "$(date -r "$mx/cells/$c" +%Y)" = 2001 ] || fail "finished cell $c ran again"
done
python3 - "$mx/summary.json" << 'PY' || fail "summary check after --failed-only"
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s["cells"]) == 4 and all(c["state"] == "done" for c in s["cells"]), s["cells"]
PY
echo "slurm: --failed-only reran exactly the two broken cells"
echo "PASSED"

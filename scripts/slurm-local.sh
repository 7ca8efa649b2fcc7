#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing `hwgen sweep --backend slurm`.
#
#   scripts/slurm-local.sh start    munged, slurmctld and slurmd; waits until the node is idle
#   scripts/slurm-local.sh stop     stops them by the pids in their pid files
#   scripts/slurm-local.sh status   sinfo, or exit 1 when the cluster is not up
#   scripts/slurm-local.sh env      the line to eval so that sbatch & co. find this cluster
#
# Everything (config, munge key and socket, state, spool, logs, pid files) lives in
# $HWGEN_SLURM_DIR (default /tmp/hwgen-slurm); nothing under /etc is touched. Clients need
# SLURM_CONF=$HWGEN_SLURM_DIR/slurm.conf: `eval "$(scripts/slurm-local.sh env)"`.
# Needs the Debian packages slurm-wlm and munge (Slurm 22.05). The ports default to 6817/6818
# and can be moved with HWGEN_SLURM_PORT (slurmctld; slurmd uses the next one).
set -euo pipefail

dir=${HWGEN_SLURM_DIR:-/tmp/hwgen-slurm}
port=${HWGEN_SLURM_PORT:-6817}
conf=$dir/slurm.conf
export SLURM_CONF=$conf

need() {
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || {
      echo "slurm-local: '$t' not found (install it with: apt-get install -y slurm-wlm munge)" >&2; exit 3; }
  done
}

sbin() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

# Runs a daemon with no descriptor of ours: one it inherited (a caller's pipe or socket) would keep
# the caller waiting for an end-of-file that never comes.
daemon() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
    done
    exec "$@" </dev/null >/dev/null 2>&1
  )
}

# True when the pid file names a live process.
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {
  local f=$1 name=$2
  if alive "$f"; then
    local pid; pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -9 "$pid" 2>/dev/null || true; }
    echo "slurm-local: stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

write_conf() {
  local host cpus mem user
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  user=$(id -un)
  cat > "$conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node test cluster.
ClusterName=hwgen-local
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue -t all for 10 minutes (there is no accounting database).
MinJobAge=600
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  need munged slurmctld slurmd sinfo
  if alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && alive "$dir/munged.pid"; then
    echo "slurm-local: already running ($conf)"; return 0
  fi
  stop >/dev/null
  mkdir -p "$dir"/{state,spool,munge}
  chmod 700 "$dir/state" "$dir/spool"
  chmod 755 "$dir" "$dir/munge"
  if [ ! -s "$dir/munge.key" ]; then
    head -c 1024 /dev/urandom > "$dir/munge.key"
    chmod 400 "$dir/munge.key"
  fi
  daemon "$(sbin munged)" --force --key-file="$dir/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
  write_conf
  daemon "$(sbin slurmctld)" -f "$conf"
  daemon "$(sbin slurmd)" -f "$conf"
  for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx 'idle'; then
      echo "slurm-local: up, node $(hostname -s) idle ($conf; eval \"\$($0 env)\" to use it)"
      return 0
    fi
    sleep 0.5
  done
  echo "slurm-local: the node did not become idle within 30 s; sinfo says: $(sinfo -h 2>&1 || true)" >&2
  tail -n 5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 2>/dev/null || true
  stop
  exit 1
}

stop() {
  stop_pidfile "$dir/slurmd.pid" slurmd
  stop_pidfile "$dir/slurmctld.pid" slurmctld
  stop_pidfile "$dir/munged.pid" munged
  # A daemon of this cluster whose pid file is gone (a start that was killed half-way): by its
  # command line, which names this cluster's own files.
  local pid
  for pid in $(pgrep -f -- "-f $dir/slurm.conf|--key-file=$dir/munge.key" || true); do
    kill "$pid" 2>/dev/null && echo "slurm-local: stopped a leftover daemon of $dir (pid $pid)"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" || { echo "slurm-local: not running"; exit 1; }
    sinfo ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: $0 start | stop | status | env" >&2; exit 2 ;;
esac

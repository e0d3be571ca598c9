#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for `make slurm-test`
# (run by .ci/run): it installs Debian's slurm-wlm and munge if needed, writes
# a munge key and a minimal slurm.conf (one node, 2 CPUs) into a temporary
# folder, starts munged, slurmctld and slurmd as root (no systemd), and checks
#   1. the smoke sweep submitted as a 2-task array through
#      deploy/slurm/sweep.sbatch runs every grid point, and
#      `resexp sweep FILE --collect` finds every run;
#   2. preemption: a task requeued mid-run (scontrol requeue, which sends it
#      TERM) checkpoints, runs again and resumes, and its final
#      metrics.csv (minus the timing columns), gradnorms.csv and
#      responses.csv equal those of the same run left alone;
#   3. the time-limit path: a task sent USR1 (what --signal=B:USR1@120
#      sends) checkpoints, requeues itself and ends with the same files.
# Every daemon it started is stopped on exit. Needs root; a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(id -u)" = 0 ] || { echo "slurm-test [${SECONDS}s]: needs root (it starts munged, slurmctld and slurmd)"; exit 2; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
resexp=$PWD/bin/resexp
[ -x "$resexp" ] || { echo "slurm-test [${SECONDS}s]: $resexp missing; run make build first"; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	code=$?
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "$code" != 0 ]; then
		for f in "$tmp"/log/*; do echo "--- $f"; tail -n 30 "$f"; done
	fi
	rm -rf "$tmp"
	exit "$code"
}
trap cleanup EXIT
mkdir -p "$tmp"/{log,state,spool,munge,out}
chmod 700 "$tmp/munge"

# munge: a fresh key and socket of our own, beside nothing else.
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/socket" \
	--pid-file="$tmp/munge/pid" --seed-file="$tmp/munge/seed" --log-file="$tmp/log/munged.log" >"$tmp/log/munged.out" 2>&1 &
pids+=($!)

node=resexp-ci
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=resexp-ci
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobRequeue=1
KillWait=30
MinJobAge=600
NodeName=$node NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$node" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)

# until SECONDS_MAX CMD...: run CMD every second until it succeeds.
until_ok() {
	local limit=$1
	shift
	for ((i = 0; i < limit; i++)); do
		if "$@" >/dev/null; then return 0; fi
		sleep 1
	done
	echo "slurm-test [${SECONDS}s]: timed out after ${limit}s waiting for: $*"
	return 1
}
node_idle() { sinfo -h -n "$node" -o %t 2>/dev/null | grep -qx idle; }
until_ok 60 node_idle
echo "slurm-test [${SECONDS}s]: cluster up: $(sinfo -h -o '%P %D %t %c CPUs')"

# job_field ID KEY: a field of scontrol show job (first array element).
job_field() { scontrol -o show job "$1" | grep -o "\b$2=[^ ]*" | head -1 | cut -d= -f2; }
# job_done ID: whether the job completed; a failed job ends the test. A
# requeued job waits two minutes before it may start again (Slurm's
# BeginTime); job_done lets it start at once.
job_done() {
	local state
	state=$(job_field "$1" JobState)
	case $state in
	COMPLETED) return 0 ;;
	FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY)
		echo "slurm-test: job $1 ended $state" >&2
		exit 1
		;;
	PENDING) [ "$(job_field "$1" Reason)" != BeginTime ] || scontrol update JobId="$1" StartTime=now ;;
	esac
	return 1
}

echo "== 1. the smoke sweep as a 2-task array, collected"
sbatch --wait --array=0-1 --cpus-per-task=1 --output="$tmp/log/smoke-%a.out" \
	--export=ALL,RESEXP="$resexp" deploy/slurm/sweep.sbatch configs/smoke-sweep.yaml --out "$tmp/out/smoke"
grep -h 'shard [01]/2' "$tmp"/log/smoke-*.out
"$resexp" sweep configs/smoke-sweep.yaml --out "$tmp/out/smoke" --collect
runs=$(find "$tmp/out/smoke" -mindepth 2 -maxdepth 2 -name metrics.csv | wc -l)
[ "$runs" = 2 ] || { echo "slurm-test [${SECONDS}s]: $runs run folders, want 2"; exit 1; }
for r in plain-8 resnet-8; do
	grep -q "$r" "$tmp/out/smoke/results.md" || { echo "slurm-test [${SECONDS}s]: results.md has no $r"; cat "$tmp/out/smoke/results.md"; exit 1; }
done
echo "slurm-test [${SECONDS}s]: array ok, results.md has both runs"

# A sweep of one run long enough to be interrupted, checkpointing often.
cat >"$tmp/long.yaml" <<YAML
base:
  seed: 3
  model: {depth: 8, residual: true}
  data: {dataset: synthetic}
  train: {steps: 200, batch_size: 32}
  log: {every: 10, eval_every: 50, eval_samples: 128, gradnorm_every: 10, response_every: 50, checkpoint_every: 20}
grid:
  model.shortcut: [B]
YAML
"$resexp" sweep "$tmp/long.yaml" --out "$tmp/out/ref" >"$tmp/log/ref.out"
ref=$(dirname "$(find "$tmp/out/ref" -mindepth 2 -maxdepth 2 -name metrics.csv)")

# interrupt NAME HOW...: submit long.yaml as a 1-task array, wait until its
# run has a checkpoint, interrupt it with HOW, wait until it completes, and
# check it ran twice and its files equal the uninterrupted run's.
interrupt() {
	local name=$1
	shift
	local job out=$tmp/out/$name
	job=$(sbatch --parsable --array=0-0 --output="$tmp/log/$name.out" \
		--export=ALL,RESEXP="$resexp" deploy/slurm/sweep.sbatch "$tmp/long.yaml" --out "$out")
	job=${job%%;*}_0
	checkpointed() {
		local m
		m=$(find "$out" -name metrics.csv 2>/dev/null)
		[ -n "$m" ] && [ -d "$(dirname "$m")/checkpoint" ] && [ "$(wc -l <"$m")" -ge 6 ]
	}
	until_ok 300 checkpointed
	echo "slurm-test [${SECONDS}s]: $name: interrupting job $job at metrics row $(($(wc -l <"$(find "$out" -name metrics.csv)") - 1)): $*"
	"$@" "$job"
	until_ok 400 job_done "$job"
	local restarts
	restarts=$(job_field "$job" Restarts)
	[ "$restarts" -ge 1 ] || { echo "slurm-test [${SECONDS}s]: $name: job restarted $restarts times, want at least 1"; exit 1; }
	grep -E 'sweep.sbatch|checkpoint saved|resumed after step' "$tmp/log/$name.out"
	grep -q 'checkpoint saved' "$tmp/log/$name.out" || { echo "slurm-test [${SECONDS}s]: $name: resexp did not checkpoint on the signal"; exit 1; }
	grep -q 'resumed after step' "$tmp/log/$name.out" || { echo "slurm-test [${SECONDS}s]: $name: the requeued task did not resume the run"; exit 1; }
	local run
	run=$(dirname "$(find "$out" -mindepth 2 -maxdepth 2 -name metrics.csv)")
	cmp <(cut -d, -f1-7,10- "$ref/metrics.csv") <(cut -d, -f1-7,10- "$run/metrics.csv")
	cmp "$ref/gradnorms.csv" "$run/gradnorms.csv"
	cmp "$ref/responses.csv" "$run/responses.csv"
	echo "slurm-test [${SECONDS}s]: $name: restarted $restarts time(s); metrics.csv (without images_per_sec, elapsed_s), gradnorms.csv and responses.csv equal the uninterrupted run's"
}

echo "== 2. preemption: scontrol requeue (TERM; Slurm requeues the task)"
interrupt requeue scontrol requeue
echo "== 3. time limit: USR1 to the batch script (it requeues the task itself)"
interrupt usr1 scancel --batch --signal=USR1
echo "slurm-test [${SECONDS}s]: ok"

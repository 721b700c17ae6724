#!/usr/bin/env bash
# Runs the same work through the openssl CLI and through PkiTools' core, and prints a table of seconds and ratios.
#
#   tests/PkiTools.Benchmarks/compare-core.sh [EC_COUNT=200] [RSA_COUNT=50] [CSR_COUNT=200]
#
# Tasks (each repeated COUNT times):
#   ec-selfsign   P-256 key + self-signed certificate, key and certificate written to files
#   rsa-selfsign  RSA-2048 key + self-signed certificate, key and certificate written to files
#   csr-sign      sign a P-256 CSR under a P-256 CA (read CSR file, sign, write certificate file)
# openssl runs one process per operation (so it pays process start-up, config and provider loading every time);
# PkiTools runs all of them in one process (`PkiTools.Benchmarks compare`), timed in-process after one untimed warm-up
# operation per task, and writes its files through OutputPlan + AtomicFileWriter (temp file, fsync, rename), as the
# cmdlets do with -Force. The whole PkiTools process, start-up and JIT included, is timed too and shown below the table.
# Set SKIP_BUILD=1 to reuse an existing Release build.
set -euo pipefail

EC_COUNT=${1:-200}
RSA_COUNT=${2:-50}
CSR_COUNT=${3:-200}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dll="$here/bin/Release/net10.0/PkiTools.Benchmarks.dll"
command -v openssl >/dev/null || { echo "openssl not found on PATH" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "dotnet not found on PATH" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$dll" ]]; then
  echo "Building $here (Release)..." >&2
  dotnet build -c Release "$here" -nologo -v quiet >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; }

# ---- fixtures shared by both sides: a P-256 CA and a P-256 CSR made by openssl ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" \
  -days 3650 -subj "/CN=Compare CA" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leaf.key" -out "$work/leaf.csr" \
  -subj "/CN=web01.corp.example" -addext "subjectAltName=DNS:web01.corp.example" 2>/dev/null
# What PkiTools' TlsServer profile puts in a leaf, so both sides sign the same kind of certificate.
cat > "$work/leaf.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:web01.corp.example
EXT

echo "Load average before (other processes share these cores): $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" >&2
echo "Running openssl loops..." >&2

declare -A ossl
start=$(now)
for ((i = 0; i < EC_COUNT; i++)); do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k" -out "$work/c" -days 365 -subj /CN=x 2>/dev/null
done
ossl[ec-selfsign]=$(since "$start")

start=$(now)
for ((i = 0; i < RSA_COUNT; i++)); do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k" -out "$work/c" -days 365 -subj /CN=x 2>/dev/null
done
ossl[rsa-selfsign]=$(since "$start")

start=$(now)
for ((i = 0; i < CSR_COUNT; i++)); do
  openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -days 365 -extfile "$work/leaf.ext" \
    -out "$work/openssl-leaf.crt" 2>/dev/null
done
ossl[csr-sign]=$(since "$start")

# openssl process start-up alone, for reading the table: the same number of `openssl version` runs.
start=$(now)
for ((i = 0; i < CSR_COUNT; i++)); do openssl version >/dev/null; done
startup=$(since "$start")

echo "Running PkiTools..." >&2
declare -A pki
start=$(now)
while read -r tag task count seconds; do
  [[ "$tag" == RESULT ]] && pki[$task]=$seconds
done < <(dotnet "$dll" compare --dir "$work" --ec "$EC_COUNT" --rsa "$RSA_COUNT" --csr "$CSR_COUNT" \
  --ca-cert "$work/ca.crt" --ca-key "$work/ca.key" --csr-file "$work/leaf.csr")
process=$(since "$start")

# Sanity: PkiTools' outputs are real certificates and keys that openssl accepts.
openssl x509 -in "$work/pkitools-ec.crt" -noout
openssl pkey -in "$work/pkitools-ec.key" -noout
openssl x509 -in "$work/pkitools-rsa.crt" -noout
openssl verify -CAfile "$work/ca.crt" "$work/pkitools-leaf.crt" >/dev/null
openssl verify -CAfile "$work/ca.crt" "$work/openssl-leaf.crt" >/dev/null

row() { # task count openssl pkitools note
  awk -v t="$1" -v n="$2" -v o="$3" -v p="$4" -v note="$5" 'BEGIN {
    printf "| %-13s | %5d | %11.3f | %12.3f | %7.1fx | %-36s |\n", t, n, o, p, (p > 0 ? o / p : 0), note }'
}
echo
echo "openssl $(openssl version | cut -d' ' -f2), dotnet $(dotnet --version), $(nproc) CPUs, load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
echo
printf '| %-13s | %5s | %11s | %12s | %8s | %-36s |\n' task n "openssl s" "PkiTools s" "ratio" "ratio = openssl s / PkiTools s"
printf '|%s|%s|%s|%s|%s|%s|\n' ---------------  ------- ------------- -------------- ---------- --------------------------------------
row ec-selfsign "$EC_COUNT" "${ossl[ec-selfsign]}" "${pki[ec-selfsign]}" "key+cert files"
row rsa-selfsign "$RSA_COUNT" "${ossl[rsa-selfsign]}" "${pki[rsa-selfsign]}" "key+cert files"
row csr-sign "$CSR_COUNT" "${ossl[csr-sign]}" "${pki[csr-sign]}" "read CSR, sign, write cert"
echo
echo "PkiTools without files (in memory, PEM of key and cert): ec-selfsign ${pki[ec-selfsign-memory]} s, rsa-selfsign ${pki[rsa-selfsign-memory]} s."
echo "PkiTools whole process (runtime start-up, JIT, fixtures, all tasks with and without files): $process s."
echo "openssl pays process start-up on every call: $CSR_COUNT x 'openssl version' alone took $startup s;"
echo "PkiTools pays it once. RSA key generation times vary widely from key to key on both sides."

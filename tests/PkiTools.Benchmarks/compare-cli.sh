#!/usr/bin/env bash
# PkiTools against the CLI peers a sysadmin would otherwise script (issue 14), job by job, whole process against whole
# process, and prints a table of medians and ratios (ratio = peer s / PkiTools s: above 1, PkiTools is faster).
#
#   tests/PkiTools.Benchmarks/compare-cli.sh                 # full sizes, 3 runs (about an hour on 2 cores)
#   SMALL=1 tests/PkiTools.Benchmarks/compare-cli.sh         # 100 certificates etc., 1 run: a few minutes
#   RUNS=5 LEAVES=500 JOBS="issue validate" tests/PkiTools.Benchmarks/compare-cli.sh
#
# Settings (environment): RUNS (default 3; SMALL=1: 1), JOBS (subset of: issue revoke crl validate startup rsa scan
# memory), MODULE (the PkiTools.psd1 to import; default the repository's, built by `dotnet build`), PWSH (command
# that runs PowerShell; default pwsh on PATH, else the repository's pinned PowerShell tool), and the sizes below.
#
# Every PkiTools job is ONE pwsh process doing the whole job the way a user would script it (Import-Module included);
# every peer is scripted the usual way (a loop of processes where the tool is one process per certificate). Runs are
# interleaved: each run does PkiTools and then each peer of the job, so load from other processes on the machine falls
# on both sides. Peers come from Debian's packages (openssl, mkcert, golang-cfssl, easy-rsa, gnutls-bin); a missing
# one is installed with apt-get when possible (INSTALL=0 to skip) and shown as "absent" otherwise, never faked.
# Untimed set-up (CA folders, CSRs, ledgers, file trees) is made once and copied fresh for each timed run.
set -uo pipefail

SMALL=${SMALL:-0}
if [[ "$SMALL" == 1 ]]; then d_runs=1; d_leaves=100; d_rsa=20; d_ledger=2000; d_revoke=100; d_crl=10000; d_scan=1000; d_mem=10000
else d_runs=3; d_leaves=1000; d_rsa=100; d_ledger=100000; d_revoke=10000; d_crl=100000; d_scan=10000; d_mem=100000; fi
RUNS=${RUNS:-$d_runs}
LEAVES=${LEAVES:-$d_leaves}      # EC P-256 leaves issued from a CA folder into files; also the leaves validated
RSA=${RSA:-$d_rsa}               # RSA-2048 leaves
LEDGER=${LEDGER:-$d_ledger}      # ledger lines in the CA folder of the revocation job
REVOKE=${REVOKE:-$d_revoke}      # certificates revoked in it, then one CRL published
CRL=${CRL:-$d_crl}               # revoked entries in the CRL job
SCAN=${SCAN:-$d_scan}            # certificate files scanned for expiry
MEM=${MEM:-$d_mem}               # certificates through one pipeline (peak memory)
JOBS=${JOBS:-issue revoke crl validate startup rsa scan memory}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
MODULE=${MODULE:-$repo/PkiTools.psd1}
# PowerShell as an installed pwsh runs: pwsh on PATH, else the repository's pinned tool (.config/dotnet-tools.json) run
# from the NuGet cache without the `dotnet pwsh` tool-resolution step (which adds its own start-up to every process).
if [[ -n "${PWSH:-}" ]]; then read -r -a pwsh <<<"$PWSH"
elif command -v pwsh >/dev/null; then pwsh=(pwsh)
else
  ver=$(sed -n '/"powershell"/,/}/s/.*"version": *"\([^"]*\)".*/\1/p' "$repo/.config/dotnet-tools.json")
  dll=$(ls "${NUGET_PACKAGES:-$HOME/.nuget/packages}/powershell/$ver"/tools/net*/any/unix/pwsh.dll 2>/dev/null | head -1)
  if [[ -n "$dll" ]]; then pwsh=(dotnet "$dll"); else (cd "$repo" && dotnet tool restore >/dev/null); pwsh=(dotnet pwsh); fi
fi
[[ -f "$MODULE" ]] || { echo "$MODULE not found: build first (dotnet build) or set MODULE" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo" # `dotnet pwsh` resolves the tool from the repository's manifest; every file goes under $work
ps1() { "${pwsh[@]}" -NoProfile -NonInteractive -WorkingDirectory "$work" -Command "Import-Module '$MODULE'; \$ErrorActionPreference = 'Stop'; $1"; }

# ---- peers: install what Debian ships and is missing, once ----
declare -A pkg=([openssl]=openssl [mkcert]=mkcert [cfssl]=golang-cfssl [cfssljson]=golang-cfssl [certtool]=gnutls-bin)
missing=()
for tool in openssl mkcert cfssl cfssljson certtool; do command -v "$tool" >/dev/null || missing+=("${pkg[$tool]}"); done
[[ -d /usr/share/easy-rsa ]] || missing+=(easy-rsa)
if ((${#missing[@]})) && [[ "${INSTALL:-1}" == 1 ]] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} from Debian's packages..." >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(printf '%s\n' "${missing[@]}" | sort -u); } >&2 || true
fi
has() { if [[ "$1" == easyrsa ]]; then [[ -x /usr/share/easy-rsa/easyrsa ]]; else command -v "$1" >/dev/null; fi; }
command -v openssl >/dev/null || { echo "openssl is needed for the set-up" >&2; exit 1; }

# ---- timing ----
now() { date +%s.%N; }
declare -A times peak   # "job|side" -> space-separated seconds of each run; peak RSS in MB (memory job)
timed() { # job side command...: runs the command, appends its wall-clock seconds; a failing command marks the side failed
  local job=$1 side=$2 start; shift 2
  start=$(now)
  if "$@" >"$work/last.log" 2>&1; then
    times["$job|$side"]+="$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }') "
  else
    times["$job|$side"]+="fail "; echo "  $job/$side failed: $(tail -3 "$work/last.log" | tr '\n' ' ')" >&2
  fi
}
median() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- shared set-up: a PkiTools CA folder (EC P-256). New-Ca writes an openssl.cnf, so `openssl ca` runs on it too ----
echo "Set-up in $work..." >&2
ps1 "New-Ca -Path ./ca -Subject 'CN=Compare CA' -KeyAlgorithm EcdsaP256 | Out-Null" || { echo "New-Ca failed" >&2; exit 1; }
copy_ca() { # from to: a fresh copy of a CA folder, its openssl.cnf pointed at the copy
  rm -rf "$2"; cp -a "$1" "$2"
  sed -i "s|^dir *=.*|dir              = $2|" "$2/openssl.cnf"
}
openssl ecparam -name prime256v1 -out "$work/p256.pem"
cat >"$work/leaf.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT

# ---- the jobs: PkiTools (one pwsh process each) and the peers ----
pk_issue() { # count keyAlgorithm out: New-Csr | Invoke-CaSign -Ca -Path <folder>, one pipeline in one pwsh process (the CA
  # folder's ledger is written in batches; files are named after each request: out/h1.bench.test.crt and .key)
  ps1 "\$ca = Get-Ca ./run-ca; 1..$1 | ForEach-Object { New-Csr -DnsName \"h\$_.bench.test\" -KeyAlgorithm $2 } | Invoke-CaSign -Ca \$ca -Path '$3' | Out-Null"
}
ossl_issue() { # count newkey out
  local i
  for ((i = 1; i <= $1; i++)); do
    openssl req -new -newkey "$2" -nodes -keyout "$3/h$i.key" -out "$3/h$i.csr" -subj "/CN=h$i.bench.test" 2>/dev/null || return 1
    printf 'subjectAltName = DNS:h%d.bench.test\n' "$i" | cat "$work/leaf.ext" - >"$3/h$i.ext"
    openssl ca -batch -config "$work/run-ca/openssl.cnf" -in "$3/h$i.csr" -out "$3/h$i.crt" -days 365 -notext -extfile "$3/h$i.ext" 2>/dev/null || return 1
  done
}
mkcert_issue() { local i; for ((i = 1; i <= $1; i++)); do CAROOT="$work/mkcert-ca" mkcert -ecdsa -cert-file "$2/h$i.crt" -key-file "$2/h$i.key" "h$i.bench.test" 2>/dev/null || return 1; done; }
cfssl_issue() {
  local i
  for ((i = 1; i <= $1; i++)); do
    printf '{"CN":"h%d.bench.test","hosts":["h%d.bench.test"],"key":{"algo":"ecdsa","size":256}}' "$i" "$i" >"$2/h$i.json"
    cfssl gencert -ca "$work/cfssl/ca.pem" -ca-key "$work/cfssl/ca-key.pem" -config "$work/cfssl/config.json" -profile server "$2/h$i.json" 2>/dev/null \
      | cfssljson -bare "$2/h$i" || return 1
  done
}
easyrsa_issue() { local i; for ((i = 1; i <= $1; i++)); do (cd "$2" && EASYRSA_PKI="$2/pki" EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1 ./easyrsa --batch build-server-full "h$i.bench.test" nopass) >/dev/null 2>&1 || return 1; done; }
certtool_issue() {
  local i
  for ((i = 1; i <= $1; i++)); do
    certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$2/h$i.key" 2>/dev/null || return 1
    printf 'cn = "h%d.bench.test"\ndns_name = "h%d.bench.test"\nexpiration_days = 365\ntls_www_server\nsigning_key\n' "$i" "$i" >"$2/h$i.tmpl"
    certtool --generate-certificate --load-privkey "$2/h$i.key" --load-ca-certificate "$work/certtool/ca.crt" \
      --load-ca-privkey "$work/certtool/ca.key" --template "$2/h$i.tmpl" --outfile "$2/h$i.crt" 2>/dev/null || return 1
  done
}
fresh() { rm -rf "$1"; mkdir -p "$1"; }

job_issue() {
  echo "Job issue: $LEAVES EC P-256 leaves from a CA folder into files..." >&2
  if has mkcert; then CAROOT="$work/mkcert-ca" mkcert -ecdsa -cert-file "$work/m.crt" -key-file "$work/m.key" warm.test >/dev/null 2>&1; fi
  if has cfssl && has cfssljson; then
    mkdir -p "$work/cfssl"
    echo '{"CN":"Compare CA","key":{"algo":"ecdsa","size":256}}' | cfssl gencert -initca - 2>/dev/null | cfssljson -bare "$work/cfssl/ca"
    echo '{"signing":{"profiles":{"server":{"usages":["digital signature","server auth"],"expiry":"8760h"}}}}' >"$work/cfssl/config.json"
  fi
  if has easyrsa; then
    mkdir -p "$work/easyrsa-base"; cp -a /usr/share/easy-rsa/. "$work/easyrsa-base/"
    (cd "$work/easyrsa-base" && export EASYRSA_PKI="$work/easyrsa-base/pki" EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1 &&
      ./easyrsa --batch init-pki && ./easyrsa --batch --req-cn="Compare CA" build-ca nopass) >/dev/null 2>&1
    printf 'set_var EASYRSA_ALGO ec\nset_var EASYRSA_CURVE prime256v1\n' >"$work/easyrsa-base/pki/vars"
  fi
  if has certtool; then
    mkdir -p "$work/certtool"
    certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$work/certtool/ca.key" 2>/dev/null
    printf 'cn = "Compare CA"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 3650\n' >"$work/certtool/ca.tmpl"
    certtool --generate-self-signed --load-privkey "$work/certtool/ca.key" --template "$work/certtool/ca.tmpl" --outfile "$work/certtool/ca.crt" 2>/dev/null
  fi
  local r
  for ((r = 1; r <= RUNS; r++)); do
    copy_ca "$work/ca" "$work/run-ca"; fresh "$work/out"; timed issue pkitools pk_issue "$LEAVES" EcdsaP256 "$work/out"
    n=$(find "$work/out" -name '*.crt' | wc -l); [[ $n == "$LEAVES" ]] || echo "  issue/pkitools wrote $n certificates, not $LEAVES" >&2
    [[ $r == 1 ]] && { rm -rf "$work/leaves"; cp -a "$work/out" "$work/leaves"; cp "$work/run-ca/ca.crt" "$work/leaves-ca.crt"; }
    copy_ca "$work/ca" "$work/run-ca"; fresh "$work/out"; timed issue "openssl ca" ossl_issue "$LEAVES" "ec:$work/p256.pem" "$work/out"
    if has mkcert; then fresh "$work/out"; timed issue mkcert mkcert_issue "$LEAVES" "$work/out"; fi
    if has cfssl && has cfssljson; then fresh "$work/out"; timed issue cfssl cfssl_issue "$LEAVES" "$work/out"; fi
    if has easyrsa; then rm -rf "$work/out"; cp -a "$work/easyrsa-base" "$work/out"; timed issue easy-rsa easyrsa_issue "$LEAVES" "$work/out"; fi
    if has certtool; then fresh "$work/out"; timed issue certtool certtool_issue "$LEAVES" "$work/out"; fi
  done
}

job_rsa() {
  echo "Job rsa: $RSA RSA-2048 leaves from a CA folder into files..." >&2
  local r
  for ((r = 1; r <= RUNS; r++)); do
    copy_ca "$work/ca" "$work/run-ca"; fresh "$work/out"; timed rsa pkitools pk_issue "$RSA" Rsa2048 "$work/out"
    copy_ca "$work/ca" "$work/run-ca"; fresh "$work/out"; timed rsa "openssl ca" ossl_issue "$RSA" rsa:2048 "$work/out"
  done
}

# A CA folder whose ledger has LEDGER lines: REVOKE real certificates (files in $work/revoke-certs, for openssl ca
# -revoke) and synthetic valid lines for the rest.
job_revoke() {
  echo "Job revoke: $REVOKE of a $LEDGER-line ledger revoked, then one CRL..." >&2
  copy_ca "$work/ca" "$work/run-ca"; fresh "$work/revoke-certs"
  ps1 "\$ca = Get-Ca ./run-ca; foreach (\$i in 1..$REVOKE) { New-Csr -DnsName \"r\$i.bench.test\" | Invoke-CaSign -Ca \$ca -Path \"$work/revoke-certs/r\$i\" | Out-Null }" >/dev/null ||
    { echo "  revoke set-up failed" >&2; return; }
  awk -v n=$((LEDGER - REVOKE)) 'BEGIN { for (i = 1; i <= n; i++) printf "V\t351231000000Z\t\t%032X\tunknown\t/CN=pad%d.bench.test\n", i, i }' >>"$work/run-ca/index.txt"
  rm -rf "$work/revoke-base"; cp -a "$work/run-ca" "$work/revoke-base"
  local r
  for ((r = 1; r <= RUNS; r++)); do
    copy_ca "$work/revoke-base" "$work/run-ca"
    timed revoke pkitools ps1 "Get-ChildItem '$work/revoke-certs' -Filter *.crt | Import-Cert | Revoke-Cert -Ca ./run-ca -Confirm:\$false; New-Crl -Ca ./run-ca | Out-Null"
    copy_ca "$work/revoke-base" "$work/run-ca"
    timed revoke "openssl ca" ossl_revoke
  done
}
ossl_revoke() {
  local f
  for f in "$work"/revoke-certs/*.crt; do openssl ca -batch -config "$work/run-ca/openssl.cnf" -revoke "$f" 2>/dev/null || return 1; done
  openssl ca -batch -config "$work/run-ca/openssl.cnf" -gencrl -out "$work/run-ca/crl/openssl.crl" 2>/dev/null
}

job_crl() {
  echo "Job crl: New-Crl with $CRL revoked..." >&2
  copy_ca "$work/ca" "$work/crl-ca"
  awk -v n="$CRL" 'BEGIN { for (i = 1; i <= n; i++) printf "R\t351231000000Z\t250101000000Z\t%032X\tunknown\t/CN=rev%d.bench.test\n", i, i }' >>"$work/crl-ca/index.txt"
  local r
  for ((r = 1; r <= RUNS; r++)); do
    timed crl pkitools ps1 "New-Crl -Ca ./crl-ca | Out-Null"
    timed crl "openssl ca" openssl ca -batch -config "$work/crl-ca/openssl.cnf" -gencrl -out "$work/openssl.crl"
  done
}

# Test-CertChain over every leaf file in one call (-Path takes many files; where a build still tests one chain per
# call, the files go through the pipeline instead: both are one pwsh process).
job_validate() {
  echo "Job validate: $LEAVES leaves against the root..." >&2
  if [[ ! -d "$work/leaves" ]]; then
    copy_ca "$work/ca" "$work/run-ca"; fresh "$work/leaves"; pk_issue "$LEAVES" EcdsaP256 "$work/leaves" >/dev/null; cp "$work/run-ca/ca.crt" "$work/leaves-ca.crt"
  fi
  local r
  for ((r = 1; r <= RUNS; r++)); do
    timed validate pkitools ps1 "\$files = (Get-ChildItem '$work/leaves' -Filter *.crt).FullName
      \$ok = @(Test-CertChain -Path \$files -TrustedRoot '$work/leaves-ca.crt' -Quiet)
      if (\$ok.Count -ne \$files.Count) { \$ok = @(\$files | ForEach-Object { Test-CertChain -Path \$_ -TrustedRoot '$work/leaves-ca.crt' -Quiet }) }
      if (\$ok -contains \$false -or \$ok.Count -ne \$files.Count) { throw 'not every leaf validated' }"
    timed validate "openssl verify" openssl verify -CAfile "$work/leaves-ca.crt" "$work"/leaves/*.crt
    if has certtool; then timed validate "certtool --verify" certtool_verify; fi
  done
}
certtool_verify() { local f; for f in "$work"/leaves/*.crt; do certtool --verify --load-ca-certificate "$work/leaves-ca.crt" --infile "$f" >/dev/null 2>&1 || return 1; done; }

job_startup() {
  echo "Job startup: Import-Module + first certificate vs pwsh -c exit..." >&2
  local r
  for ((r = 1; r <= RUNS * 3; r++)); do
    timed startup pkitools "${pwsh[@]}" -NoProfile -NonInteractive -Command "Import-Module '$MODULE'; New-SelfSignedCert -DnsName a.test | Out-Null"
    timed startup "pwsh -c exit" "${pwsh[@]}" -NoProfile -NonInteractive -Command exit
  done
}

# SCAN certificate files (copies of 100 distinct leaves), checked for expiry within 30 days.
make_tree() { # count dir
  if [[ ! -f "$work/seed/s100.crt" ]]; then
    fresh "$work/seed"; ps1 "foreach (\$i in 1..100) { New-SelfSignedCert -DnsName \"s\$i.bench.test\" -ValidDays (\$i * 3) -Path \"$work/seed/s\$i\" | Out-Null }" >/dev/null
  fi
  fresh "$2"; local i
  for ((i = 0; i < $1; i++)); do cp "$work/seed/s$((i % 100 + 1)).crt" "$2/c$i.crt"; done
}
job_scan() {
  echo "Job scan: $SCAN files for expiry..." >&2
  make_tree "$SCAN" "$work/scan"
  local r
  for ((r = 1; r <= RUNS; r++)); do
    timed scan pkitools ps1 "Find-ExpiringCert -Path '$work/scan' -WithinDays 30 | Measure-Object | Out-Null"
    timed scan "openssl -checkend loop" ossl_checkend
  done
}
ossl_checkend() { local f; for f in "$work"/scan/*.crt; do openssl x509 -checkend 2592000 -noout -in "$f" >/dev/null; done; return 0; }

# MEM certificate files through one pipeline (Get-ChildItem | Import-Cert | Where-Object | Measure-Object): peak
# resident memory of the pwsh process (GNU time %M); the peer column is one `openssl x509` process. Beside it, what
# PowerShell's Get-ChildItem alone holds over the same folder (no PkiTools loaded: the floor of that pipeline), and
# Find-ExpiringCert -Path <folder>, which walks the folder itself instead of through the provider.
job_memory() {
  echo "Job memory: $MEM certificates through one pipeline..." >&2
  make_tree "$MEM" "$work/mem"
  local r kb
  for ((r = 1; r <= RUNS; r++)); do
    if [[ -x /usr/bin/time ]]; then
      timed memory pkitools /usr/bin/time -f 'maxrss %M' -o "$work/rss" "${pwsh[@]}" -NoProfile -NonInteractive -WorkingDirectory "$work" -Command \
        "Import-Module '$MODULE'; Get-ChildItem '$work/mem' -Filter *.crt | Import-Cert | Where-Object NotAfter -lt (Get-Date).AddDays(30) | Measure-Object | Out-Null"
      kb=$(awk '/maxrss/ { print $2 }' "$work/rss"); peak["memory|pkitools"]+="$((kb / 1024)) "
      /usr/bin/time -f 'maxrss %M' -o "$work/rss" "${pwsh[@]}" -NoProfile -NonInteractive -WorkingDirectory "$work" -Command \
        "Get-ChildItem '$work/mem' -Filter *.crt | Measure-Object | Out-Null"
      kb=$(awk '/maxrss/ { print $2 }' "$work/rss"); peak["memory|gci"]+="$((kb / 1024)) "
      /usr/bin/time -f 'maxrss %M' -o "$work/rss" "${pwsh[@]}" -NoProfile -NonInteractive -WorkingDirectory "$work" -Command \
        "Import-Module '$MODULE'; Find-ExpiringCert -Path '$work/mem' -WithinDays 30 | Measure-Object | Out-Null"
      kb=$(awk '/maxrss/ { print $2 }' "$work/rss"); peak["memory|find"]+="$((kb / 1024)) "
      timed memory "openssl x509 (one file)" /usr/bin/time -f 'maxrss %M' -o "$work/rss" openssl x509 -noout -enddate -in "$work/mem/c0.crt"
      kb=$(awk '/maxrss/ { print $2 }' "$work/rss"); peak["memory|openssl"]+="$((kb / 1024)) "
    fi
  done
}

for job in $JOBS; do "job_$job"; done

# ---- the table ----
declare -A jobtitle=(
  [issue]="$LEAVES EC P-256 leaves, CA folder -> files" [rsa]="$RSA RSA-2048 leaves, CA folder -> files"
  [revoke]="revoke $REVOKE of $LEDGER, then the CRL" [crl]="CRL with $CRL revoked" [validate]="validate $LEAVES leaves"
  [startup]="Import-Module + first certificate" [scan]="scan $SCAN files for expiry" [memory]="$MEM certificates, one pipeline")
echo
echo "compare-cli.sh, $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs per side: $RUNS (startup: $((RUNS * 3))), interleaved; medians in seconds; ratio = peer s / PkiTools s (above 1: PkiTools faster)"
echo "$(openssl version | cut -d' ' -f1-2); $("${pwsh[@]}" -NoProfile -NonInteractive -Command '"PowerShell $($PSVersionTable.PSVersion) on .NET $([Environment]::Version)"' 2>/dev/null)"
echo
printf '| %-40s | %-24s | %10s | %10s | %8s |\n' job peer "peer s" "PkiTools s" ratio
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..42})" "$(printf -- '-%.0s' {1..26})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..10})"
declare -A peers=([issue]="openssl ca|mkcert|cfssl|easy-rsa|certtool" [rsa]="openssl ca" [revoke]="openssl ca" [crl]="openssl ca"
  [validate]="openssl verify|certtool --verify" [startup]="pwsh -c exit" [scan]="openssl -checkend loop" [memory]="openssl x509 (one file)")
for job in $JOBS; do
  p=$(median <<<"${times[$job|pkitools]:-}")
  IFS='|' read -r -a list <<<"${peers[$job]}"
  for peer in "${list[@]}"; do
    if [[ -z "${times[$job|$peer]+x}" ]]; then
      printf '| %-40s | %-24s | %10s | %10s | %8s |\n' "${jobtitle[$job]}" "$peer" absent "${p:-fail}" -
      continue
    fi
    o=$(median <<<"${times[$job|$peer]}")
    ratio=$(awk -v o="$o" -v p="$p" 'BEGIN { if (o == "" || p == "" || p == 0) print "-"; else printf "%.2fx", o / p }')
    [[ $job == memory ]] && ratio="-" # one openssl process per file holds one certificate: memory, not time, is compared
    printf '| %-40s | %-24s | %10s | %10s | %8s |\n' "${jobtitle[$job]}" "$peer" "${o:-fail}" "${p:-fail}" "$ratio"
  done
  if [[ $job == startup && -n "$p" ]]; then
    o=$(median <<<"${times[startup|pwsh -c exit]:-}")
    [[ -n "$o" ]] && echo "|   Import-Module + first certificate over pwsh -c exit: $(awk -v o="$o" -v p="$p" 'BEGIN { printf "%+.0f ms", (p - o) * 1000 }') (target: at most +150 ms)"
  fi
  if [[ $job == memory ]]; then
    echo "|   peak resident memory, median MB: PkiTools $(median <<<"${peak["memory|pkitools"]:-}"), one openssl x509 $(median <<<"${peak["memory|openssl"]:-}") (target: PkiTools under 200 MB)"
    echo "|   the same Get-ChildItem alone, no PkiTools: $(median <<<"${peak["memory|gci"]:-}") MB; Find-ExpiringCert -Path <folder> over the same files: $(median <<<"${peak["memory|find"]:-}") MB"
  fi
done
echo
echo "Each PkiTools figure is one pwsh process (start-up and Import-Module included); peers are loops of processes."
echo "Sizes: LEAVES=$LEAVES RSA=$RSA LEDGER=$LEDGER REVOKE=$REVOKE CRL=$CRL SCAN=$SCAN MEM=$MEM RUNS=$RUNS"

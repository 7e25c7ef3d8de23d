#!/usr/bin/env bash
# Local single-node Apache Kafka 4.x (KRaft, no ZooKeeper, no Docker) for Azora dev and CI.
#
# Usage: infra/kafka/kafka.sh <command> [args]
#   fetch     download the broker + tools jars with Maven into <state>/kafka/libs (once)
#   format    render <state>/kafka/server.properties; format the data dir if it is new
#   start     fetch + format if needed, launch the broker detached (if not running), then wait
#   wait [s]  block until the broker answers a Metadata request (default 120 s)
#   stop      SIGTERM, wait up to 30 s, then SIGKILL; fine if not running
#   status    print running/stopped; exit 0 if running, 1 if not
#   tool <main-class> [args...]
#             run a Kafka CLI tool class with the libs on the classpath and quiet logging.
#             Kafka 4.1 class names (the bin/*.sh scripts of the binary distribution wrap these):
#               kafka-topics              org.apache.kafka.tools.TopicCommand
#               kafka-consumer-groups     org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
#               kafka-broker-api-versions org.apache.kafka.tools.BrokerApiVersionsCommand
#               kafka-console-producer    org.apache.kafka.tools.ConsoleProducer
#               kafka-console-consumer    org.apache.kafka.tools.consumer.ConsoleConsumer
#               kafka-metadata-quorum     org.apache.kafka.tools.MetadataQuorumCommand
#               kafka-configs             kafka.admin.ConfigCommand
#               kafka-storage             kafka.tools.StorageTool
#             e.g. kafka.sh tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --list
#
# Environment:
#   AZORA_STATE_DIR              state root (default: <repo>/.azora)
#   AZORA_KAFKA_PORT             client (PLAINTEXT) port, default 19092
#   AZORA_KAFKA_CONTROLLER_PORT  KRaft controller port, default 19093
#   AZORA_KAFKA_WAIT_TIMEOUT     seconds `wait`/`start` wait for readiness, default 120
#   AZORA_KAFKA_HEAP_OPTS        broker heap, default "-Xms1g -Xmx1g" (Kafka's own default)
#   JAVA_HOME                    if set, $JAVA_HOME/bin/java is used (Java 17+ required)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO_ROOT/.azora}"

KAFKA_PORT="${AZORA_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${AZORA_KAFKA_CONTROLLER_PORT:-19093}"
WAIT_TIMEOUT="${AZORA_KAFKA_WAIT_TIMEOUT:-120}"
# Kafka's own default. With 512 MiB the broker's steady live set (~290 MiB after many
# topics came and went; 190 MiB of it byte arrays, likely the log cleaner's 128 MiB
# buffer among them) sat above G1's 35 % marking threshold: a concurrent cycle every
# ~10 s took most of a core for a quarter second, and each one was a latency spike in
# `make bench`'s end-to-end run.
HEAP_OPTS="${AZORA_KAFKA_HEAP_OPTS:--Xms1g -Xmx1g}"
STOP_TIMEOUT=30

POM="$SCRIPT_DIR/pom.xml"
TEMPLATE="$SCRIPT_DIR/server.properties.template"
LOG4J_BROKER="$SCRIPT_DIR/log4j2.properties"
LOG4J_TOOLS="$SCRIPT_DIR/log4j2-tools.properties"

KDIR="$STATE_DIR/kafka"
LIBS="$KDIR/libs"
DATA="$KDIR/data"
LOGS="$KDIR/logs"
PROPS="$KDIR/server.properties"
PIDFILE="$KDIR/kafka.pid"
CLUSTER_ID_FILE="$KDIR/cluster.id"

if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
# Short-lived tool JVMs: small heap, C1 only and serial GC start noticeably faster.
TOOL_JVM_OPTS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)

say() { echo "kafka: $*"; }
now() { echo "${EPOCHREALTIME/,/.}"; }
# Seconds since $1 (a now() value), one decimal.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
die() { echo "kafka: ERROR: $*" >&2; exit 1; }
# Print the last lines of a log file to stderr (used before failing); with a byte offset as
# $2, only what was written after that offset (i.e. by this start attempt).
show_tail() {
  local f="$1" off="${2:-0}"
  [[ -s "$f" ]] || return 0
  local size
  size="$(stat -c %s "$f")"
  (( size != off )) || return 0   # nothing new
  (( size > off )) || off=0       # rolled over meanwhile
  echo "---- last lines of $f ----" >&2
  tail -c +"$((off + 1))" "$f" | tail -n 25 >&2 || true
  echo "----" >&2
}
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
# Log sizes just before this invocation launched the broker (0 = show whole tail).
OUT_OFF=0
SERVER_LOG_OFF=0
LAUNCHED=0

ensure_dirs() {
  mkdir -p "$KDIR" "$LOGS"
  # The state dir usually sits inside the repo: make it ignore itself.
  [[ -e "$STATE_DIR/.gitignore" ]] || printf '*\n' >"$STATE_DIR/.gitignore"
}

# Serialise fetch/format/start/stop between concurrent callers (e.g. make -j).
# fd 9 must not leak into the broker JVM (it would hold the lock forever): see launch.
take_lock() {
  exec 9>"$KDIR/.lock"
  flock -w 600 9 || die "could not lock $KDIR/.lock (another kafka.sh is stuck?)"
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (Kafka 4.x needs Java 17+; set JAVA_HOME or put java on PATH)"
  local v
  v="$("$JAVA" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1)"
  [[ -n "$v" && "$v" -ge 17 ]] || die "Kafka 4.x needs Java 17+, but '$JAVA' is version '${v:-unknown}' (set JAVA_HOME)"
}

pom_kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1; }

have_libs() {
  local want
  want="$(pom_kafka_version)"
  [[ -f "$LIBS/kafka_2.13-$want.jar" && -f "$LIBS/.complete" ]]
}

cmd_fetch() {
  ensure_dirs
  have_libs && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven) not found; install it (Debian: apt-get install maven)"
  local version log="$LOGS/fetch.log" tmp="$KDIR/libs.tmp"
  version="$(pom_kafka_version)"
  if compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null; then
    say "libs do not match kafka.version $version in pom.xml; fetching again"
  fi
  say "fetching Kafka $version with Maven (log: $log)"
  rm -rf "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
    show_tail "$log" 40
    die "Maven could not fetch Kafka $version; see $log"
  fi
  [[ -f "$tmp/kafka_2.13-$version.jar" ]] || die "Maven finished but $tmp has no kafka_2.13-$version.jar; see $log"
  touch "$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  local jars=("$LIBS"/*.jar)
  say "fetched ${#jars[@]} jars into $LIBS"
}

# Run a Kafka main class with the libs on the classpath and the quiet tool log config.
run_tool() {
  local cls="$1"; shift
  "$JAVA" "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$LOG4J_TOOLS" \
    -cp "$LIBS/*" "$cls" "$@"
}

render_props() {
  [[ -f "$TEMPLATE" ]] || die "missing $TEMPLATE"
  local tmp="$PROPS.tmp"
  sed -e "s|\${AZORA_KAFKA_PORT}|$KAFKA_PORT|g" \
      -e "s|\${AZORA_KAFKA_CONTROLLER_PORT}|$CONTROLLER_PORT|g" \
      -e "s|\${AZORA_KAFKA_DATA_DIR}|$DATA|g" \
      "$TEMPLATE" >"$tmp"
  # shellcheck disable=SC2016  # a literal "${" is what we look for
  if grep -v '^[[:space:]]*#' "$tmp" | grep -q '\${'; then
    rm -f "$tmp"
    die "unknown \${...} placeholder left in $TEMPLATE (only AZORA_KAFKA_PORT, AZORA_KAFKA_CONTROLLER_PORT, AZORA_KAFKA_DATA_DIR are substituted)"
  fi
  if [[ -f "$PROPS" ]] && cmp -s "$tmp" "$PROPS"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$PROPS"
    say "rendered $PROPS (port $KAFKA_PORT, controller $CONTROLLER_PORT)"
  fi
}

cmd_format() {
  ensure_dirs
  have_libs || die "no Kafka libs in $LIBS; run: $0 fetch"
  render_props
  [[ -f "$DATA/meta.properties" ]] && return 0
  local log="$LOGS/format.log" cid
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cid="$(cat "$CLUSTER_ID_FILE")"
  else
    cid="$(run_tool kafka.tools.StorageTool random-uuid 2>"$log")" || { show_tail "$log"; die "could not generate a cluster id; see $log"; }
    printf '%s\n' "$cid" >"$CLUSTER_ID_FILE"
  fi
  mkdir -p "$DATA"
  if ! run_tool kafka.tools.StorageTool format -t "$cid" -c "$PROPS" --ignore-formatted >>"$log" 2>&1; then
    show_tail "$log"
    die "formatting $DATA failed; see $log"
  fi
  [[ -f "$DATA/meta.properties" ]] || die "format reported success but $DATA/meta.properties is missing; see $log"
  say "formatted $DATA (cluster id $cid)"
}

# Prints the pid if our broker is running (pid file + live process whose command line is kafka.Kafka).
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True if something on 127.0.0.1:$1 answers a Kafka Metadata request (v4, no topics) and the
# response lists at least one live broker, i.e. the broker has joined the cluster metadata,
# is unfenced and serves requests. A pure-bash probe over /dev/tcp: ~10 ms, no JVM start-up.
#   request:  int32 size=20 | int16 api_key=3 (Metadata) | int16 version=4 | int32 correlation=7
#             | string client_id="azora" | int32 topics=0 (empty array) | bool auto_create=false
#   response: int32 size | int32 correlation | int32 throttle_ms | int32 broker count | ...
kafka_probe() {
  local out
  # shellcheck disable=SC2016  # the inner script is expanded by the inner bash
  out="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "\x00\x00\x00\x14\x00\x03\x00\x04\x00\x00\x00\x07\x00\x05azora\x00\x00\x00\x00\x00" >&3
      head -c 16 <&3 | od -An -tu1 -v' _ "$1" 2>/dev/null)" || return 1
  local -a b
  read -r -a b <<<"$out"
  [[ ${#b[@]} -eq 16 ]] || return 1
  [[ "${b[4]}${b[5]}${b[6]}${b[7]}" == "0007" ]] || return 1
  (( (b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15]) >= 1 ))
}

cmd_wait() {
  local timeout="${1:-$WAIT_TIMEOUT}" start=$SECONDS t0
  t0="$(now)"
  [[ "$timeout" =~ ^[0-9]+$ ]] || die "wait: timeout must be a number of seconds, got '$timeout'"
  while ! kafka_probe "$KAFKA_PORT"; do
    # If this invocation launched the broker and it died, fail now instead of waiting out the
    # timeout.
    if (( LAUNCHED )) && ! running_pid >/dev/null; then
      rm -f "$PIDFILE"
      show_tail "$LOGS/kafka.out" "$OUT_OFF"; show_tail "$LOGS/server.log" "$SERVER_LOG_OFF"
      die "broker process exited during start-up; see $LOGS/server.log and $LOGS/kafka.out"
    fi
    if (( SECONDS - start >= timeout )); then
      running_pid >/dev/null || die "no Kafka broker answered on 127.0.0.1:$KAFKA_PORT within ${timeout}s, and none is running from $STATE_DIR (run: $0 start)"
      show_tail "$LOGS/server.log" "$SERVER_LOG_OFF"
      die "broker not ready on 127.0.0.1:$KAFKA_PORT after ${timeout}s; see $LOGS/server.log"
    fi
    sleep 0.25
  done
  say "ready on 127.0.0.1:$KAFKA_PORT (waited $(since "$t0"))"
}

cmd_start() {
  ensure_dirs
  take_lock
  local pid
  if pid="$(running_pid)"; then
    say "already running (pid $pid)"
  else
    check_java
    cmd_fetch
    cmd_format
    local p
    for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
      port_in_use "$p" && die "127.0.0.1:$p is already in use by another process (not the broker of $STATE_DIR); stop it or set AZORA_KAFKA_PORT / AZORA_KAFKA_CONTROLLER_PORT"
    done
    rm -f "$PIDFILE"
    echo "==== $(date -u '+%Y-%m-%dT%H:%M:%SZ') kafka.sh start ====" >>"$LOGS/kafka.out"
    OUT_OFF="$(fsize "$LOGS/kafka.out")"
    SERVER_LOG_OFF="$(fsize "$LOGS/server.log")"
    # Detached: own session (setsid) so it survives the calling shell / make and is not hit by
    # its Ctrl-C; nohup against SIGHUP; stdin from /dev/null; fd 9 (our lock) closed.
    # The inner shell writes its own pid then execs java, so the pid file is the JVM's pid.
    # shellcheck disable=SC2086,SC2016  # HEAP_OPTS is word-split on purpose; inner script
    (
      cd "$KDIR"
      nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
        "$JAVA" $HEAP_OPTS \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
        "-Xlog:gc*:file=$LOGS/gc.log:time,tags:filecount=3,filesize=10M" \
        -Dkafka.logs.dir="$LOGS" -Dlog4j2.configurationFile="$LOG4J_BROKER" \
        -cp "$LIBS/*" kafka.Kafka "$PROPS" \
        </dev/null >>"$LOGS/kafka.out" 2>&1 9>&- &
    )
    for _ in $(seq 1 50); do [[ -s "$PIDFILE" ]] && break; sleep 0.1; done
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ -n "$pid" ]] || { show_tail "$LOGS/kafka.out" "$OUT_OFF"; die "broker did not start; see $LOGS/kafka.out"; }
    LAUNCHED=1
    say "started broker (pid $pid, logs in $LOGS)"
  fi
  cmd_wait
}

cmd_stop() {
  ensure_dirs
  take_lock
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local start=$SECONDS t0
  t0="$(now)"
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= STOP_TIMEOUT )); then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      say "broker did not exit within ${STOP_TIMEOUT}s of SIGTERM; sent SIGKILL (see $LOGS/server.log)"
      break
    fi
    sleep 0.2
  done
  rm -f "$PIDFILE"
  say "stopped (pid $pid, $(since "$t0"))"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running (pid $pid, 127.0.0.1:$KAFKA_PORT)"
    return 0
  fi
  echo "stopped"
  return 1
}

cmd_tool() {
  [[ $# -ge 1 ]] || die "usage: $0 tool <main-class> [args...]  (e.g. org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:$KAFKA_PORT --list)"
  have_libs || die "no Kafka libs in $LIBS; run: $0 fetch (or start)"
  run_tool "$@"
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd="$1"; shift
  case "$cmd" in
    fetch)  ensure_dirs; take_lock; cmd_fetch ;;
    format) ensure_dirs; take_lock; cmd_format ;;
    start)  cmd_start ;;
    wait)   cmd_wait "$@" ;;
    stop)   cmd_stop ;;
    status) cmd_status ;;
    tool)   cmd_tool "$@" ;;
    -h|--help|help) usage ;;
    *) echo "kafka: unknown command '$cmd'" >&2; usage ;;
  esac
}

main "$@"

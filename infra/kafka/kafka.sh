#!/usr/bin/env bash
# Local Apache Kafka 4.x (KRaft, no ZooKeeper, no Docker) for Azora dev and CI: one broker, or
# a cluster of three on this machine (AZORA_KAFKA_BROKERS=3).
#
# Usage: infra/kafka/kafka.sh <command> [args]
#   fetch     download the broker + tools jars with Maven into <state>/kafka/libs (once)
#   format    render each node's server.properties; format its data dir if it is new
#   start     fetch + format if needed, launch every node not running (detached), then wait
#   wait [s]  block until every node answers a Metadata request listing all the brokers
#             (default 120 s)
#   stop      SIGTERM every node, wait up to 30 s each, then SIGKILL; fine if not running
#   status    print each node running/stopped; exit 0 if all run, 1 if not
#   bootstrap print the bootstrap servers of this setting (host:port[,host:port...])
#   start-node <n>  start node n (1..3) of the cluster and wait until it is back in it
#   stop-node <n>   stop node n cleanly (SIGTERM: it hands its leaderships over first)
#   kill-node <n>   SIGKILL node n (a crash: its leaderships move once the controller
#                   notices, broker.session.timeout.ms, 9 s)
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
#   AZORA_KAFKA_BROKERS          1 (default): one broker in <state>/kafka; 3: a cluster of three
#                                combined broker+controller nodes in <state>/kafka-cluster/node-<n>
#                                (replication factor 3 and min.insync.replicas 2 by default)
#   AZORA_KAFKA_PORT             the one broker's client (PLAINTEXT) port, default 19092
#   AZORA_KAFKA_CONTROLLER_PORT  the one broker's KRaft controller port, default 19093
#   AZORA_KAFKA_CLUSTER_PORT     the cluster's first port, default 19094: node n listens for
#                                clients on <port> + 2(n-1) and for the controllers on the
#                                next port up (19094-19099 by default), so the one broker and
#                                the cluster can run side by side
#   AZORA_KAFKA_WAIT_TIMEOUT     seconds `wait`/`start` wait for readiness, default 120
#   AZORA_KAFKA_HEAP_OPTS        heap of each broker, default "-Xms1g -Xmx1g" for the one broker
#                                (Kafka's own default), "-Xms256m -Xmx256m" for each of three
#   JAVA_HOME                    if set, $JAVA_HOME/bin/java is used (Java 17+ required)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
STATE_DIR="${AZORA_STATE_DIR:-$REPO_ROOT/.azora}"

BROKERS="${AZORA_KAFKA_BROKERS:-1}"
WAIT_TIMEOUT="${AZORA_KAFKA_WAIT_TIMEOUT:-120}"
STOP_TIMEOUT=30

POM="$SCRIPT_DIR/pom.xml"
TEMPLATE="$SCRIPT_DIR/server.properties.template"
LOG4J_BROKER="$SCRIPT_DIR/log4j2.properties"
LOG4J_TOOLS="$SCRIPT_DIR/log4j2-tools.properties"

# The jars are the same for every node; the one broker's folder has always held them.
LIBS="$STATE_DIR/kafka/libs"
LOCKFILE="$STATE_DIR/kafka/.lock"

case "$BROKERS" in
  1)
    ROOT="$STATE_DIR/kafka"
    SINGLE_PORT="${AZORA_KAFKA_PORT:-19092}"
    SINGLE_CONTROLLER_PORT="${AZORA_KAFKA_CONTROLLER_PORT:-19093}"
    # Kafka's own default. With 512 MiB the broker's steady live set (~290 MiB after many
    # topics came and went; 190 MiB of it byte arrays, likely the log cleaner's 128 MiB
    # buffer among them) sat above G1's 35 % marking threshold: a concurrent cycle every
    # ~10 s took most of a core for a quarter second, and each one was a latency spike in
    # `make bench`'s end-to-end run.
    HEAP_OPTS="${AZORA_KAFKA_HEAP_OPTS:--Xms1g -Xmx1g}"
    REPLICATION=1
    MIN_ISR=1
    CLEANER_BUFFER=134217728
    ;;
  3)
    ROOT="$STATE_DIR/kafka-cluster"
    CLUSTER_PORT="${AZORA_KAFKA_CLUSTER_PORT:-19094}"
    [[ "$CLUSTER_PORT" =~ ^[0-9]+$ ]] || { echo "kafka: ERROR: AZORA_KAFKA_CLUSTER_PORT must be a port number" >&2; exit 1; }
    # Three JVMs share two cores with everything else: a quarter of the one broker's heap
    # each, and a log-cleaner buffer to match (Kafka's 128 MiB would be half of it).
    HEAP_OPTS="${AZORA_KAFKA_HEAP_OPTS:--Xms256m -Xmx256m}"
    REPLICATION=3
    MIN_ISR=2
    CLEANER_BUFFER=16777216
    ;;
  *)
    echo "kafka: ERROR: AZORA_KAFKA_BROKERS must be 1 or 3, got '$BROKERS'" >&2
    exit 1
    ;;
esac
CLUSTER_ID_FILE="$ROOT/cluster.id"

# Node-scoped paths and ports, set by use_node.
NODE=1
KDIR=""; DATA=""; LOGS=""; PROPS=""; PIDFILE=""; KAFKA_PORT=""; CONTROLLER_PORT=""

client_port() { if (( BROKERS == 1 )); then echo "$SINGLE_PORT"; else echo $(( CLUSTER_PORT + 2 * ($1 - 1) )); fi; }
controller_port() { if (( BROKERS == 1 )); then echo "$SINGLE_CONTROLLER_PORT"; else echo $(( CLUSTER_PORT + 2 * ($1 - 1) + 1 )); fi; }

use_node() {
  NODE="$1"
  if (( BROKERS == 1 )); then KDIR="$ROOT"; else KDIR="$ROOT/node-$NODE"; fi
  DATA="$KDIR/data"
  LOGS="$KDIR/logs"
  PROPS="$KDIR/server.properties"
  PIDFILE="$KDIR/kafka.pid"
  KAFKA_PORT="$(client_port "$NODE")"
  CONTROLLER_PORT="$(controller_port "$NODE")"
}

# The static KRaft quorum: every node is a voter, "<id>@127.0.0.1:<controller port>".
voters() {
  local n out=""
  for n in $(seq 1 "$BROKERS"); do out+="${out:+,}$n@127.0.0.1:$(controller_port "$n")"; done
  echo "$out"
}

bootstrap() {
  local n out=""
  for n in $(seq 1 "$BROKERS"); do out+="${out:+,}127.0.0.1:$(client_port "$n")"; done
  echo "$out"
}

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
# Log sizes just before this invocation launched the node (0 = show whole tail).
OUT_OFF=0
SERVER_LOG_OFF=0
LAUNCHED=0

ensure_dirs() {
  mkdir -p "$STATE_DIR/kafka" "$KDIR" "$LOGS"
  # The state dir usually sits inside the repo: make it ignore itself.
  [[ -e "$STATE_DIR/.gitignore" ]] || printf '*\n' >"$STATE_DIR/.gitignore"
}

# Who is speaking: "kafka" for the one broker, "kafka node <n>" in the cluster.
who() { if (( BROKERS == 1 )); then echo "kafka"; else echo "kafka node $NODE"; fi; }
nsay() { echo "$(who): $*"; }

# Serialise fetch/format/start/stop between concurrent callers (e.g. make -j).
# fd 9 must not leak into the broker JVM (it would hold the lock forever): see launch.
take_lock() {
  mkdir -p "$STATE_DIR/kafka"
  exec 9>"$LOCKFILE"
  flock -w 600 9 || die "could not lock $LOCKFILE (another kafka.sh is stuck?)"
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
  mkdir -p "$STATE_DIR/kafka/logs"
  have_libs && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven) not found; install it (Debian: apt-get install maven)"
  local version log="$STATE_DIR/kafka/logs/fetch.log" tmp="$STATE_DIR/kafka/libs.tmp"
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
      -e "s|\${AZORA_KAFKA_NODE_ID}|$NODE|g" \
      -e "s|\${AZORA_KAFKA_VOTERS}|$(voters)|g" \
      -e "s|\${AZORA_KAFKA_REPLICATION}|$REPLICATION|g" \
      -e "s|\${AZORA_KAFKA_MIN_ISR}|$MIN_ISR|g" \
      -e "s|\${AZORA_KAFKA_CLEANER_BUFFER}|$CLEANER_BUFFER|g" \
      "$TEMPLATE" >"$tmp"
  # shellcheck disable=SC2016  # a literal "${" is what we look for
  if grep -v '^[[:space:]]*#' "$tmp" | grep -q '\${'; then
    rm -f "$tmp"
    die "unknown \${...} placeholder left in $TEMPLATE (see the placeholders listed at its top)"
  fi
  if [[ -f "$PROPS" ]] && cmp -s "$tmp" "$PROPS"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$PROPS"
    nsay "rendered $PROPS (port $KAFKA_PORT, controller $CONTROLLER_PORT)"
  fi
}

# The cluster id every node is formatted with: generated once, kept beside the nodes.
cluster_id() {
  if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
    local cid
    cid="$(run_tool kafka.tools.StorageTool random-uuid 2>>"$LOGS/format.log")" || { show_tail "$LOGS/format.log"; die "could not generate a cluster id; see $LOGS/format.log"; }
    printf '%s\n' "$cid" >"$CLUSTER_ID_FILE"
  fi
  cat "$CLUSTER_ID_FILE"
}

format_node() {
  ensure_dirs
  have_libs || die "no Kafka libs in $LIBS; run: $0 fetch"
  render_props
  [[ -f "$DATA/meta.properties" ]] && return 0
  local log="$LOGS/format.log" cid
  cid="$(cluster_id)"
  mkdir -p "$DATA"
  if ! run_tool kafka.tools.StorageTool format -t "$cid" -c "$PROPS" --ignore-formatted >>"$log" 2>&1; then
    show_tail "$log"
    die "formatting $DATA failed; see $log"
  fi
  [[ -f "$DATA/meta.properties" ]] || die "format reported success but $DATA/meta.properties is missing; see $log"
  nsay "formatted $DATA (cluster id $cid)"
}

# Prints the pid if this node is running (pid file + live process whose command line is kafka.Kafka).
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
# response lists at least $2 (default 1) live brokers, i.e. the broker has joined the cluster
# metadata, is unfenced and serves requests, and so have the others. A pure-bash probe over
# /dev/tcp: ~10 ms, no JVM start-up.
#   request:  int32 size=20 | int16 api_key=3 (Metadata) | int16 version=4 | int32 correlation=7
#             | string client_id="azora" | int32 topics=0 (empty array) | bool auto_create=false
#   response: int32 size | int32 correlation | int32 throttle_ms | int32 broker count | ...
kafka_probe() {
  local out want="${2:-1}"
  # shellcheck disable=SC2016  # the inner script is expanded by the inner bash
  out="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "\x00\x00\x00\x14\x00\x03\x00\x04\x00\x00\x00\x07\x00\x05azora\x00\x00\x00\x00\x00" >&3
      head -c 16 <&3 | od -An -tu1 -v' _ "$1" 2>/dev/null)" || return 1
  local -a b
  read -r -a b <<<"$out"
  [[ ${#b[@]} -eq 16 ]] || return 1
  [[ "${b[4]}${b[5]}${b[6]}${b[7]}" == "0007" ]] || return 1
  (( (b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15]) >= want ))
}

# Wait until this node answers and lists every broker of the setting.
wait_node() {
  local timeout="$1" start=$SECONDS t0
  t0="$(now)"
  while ! kafka_probe "$KAFKA_PORT" "$BROKERS"; do
    # If this invocation launched the node and it died, fail now instead of waiting out the
    # timeout.
    if (( LAUNCHED )) && ! running_pid >/dev/null; then
      rm -f "$PIDFILE"
      show_tail "$LOGS/kafka.out" "$OUT_OFF"; show_tail "$LOGS/server.log" "$SERVER_LOG_OFF"
      die "$(who): process exited during start-up; see $LOGS/server.log and $LOGS/kafka.out"
    fi
    if (( SECONDS - start >= timeout )); then
      running_pid >/dev/null || die "$(who): nothing answered on 127.0.0.1:$KAFKA_PORT within ${timeout}s, and no broker is running from $KDIR (run: $0 start)"
      show_tail "$LOGS/server.log" "$SERVER_LOG_OFF"
      die "$(who): not ready on 127.0.0.1:$KAFKA_PORT with $BROKERS broker(s) after ${timeout}s; see $LOGS/server.log"
    fi
    sleep 0.25
  done
  nsay "ready on 127.0.0.1:$KAFKA_PORT (waited $(since "$t0"))"
}

cmd_wait() {
  local timeout="${1:-$WAIT_TIMEOUT}" n
  [[ "$timeout" =~ ^[0-9]+$ ]] || die "wait: timeout must be a number of seconds, got '$timeout'"
  for n in $(seq 1 "$BROKERS"); do use_node "$n"; wait_node "$timeout"; done
}

# Launch this node detached if it is not running (the caller holds the lock and waits).
launch_node() {
  ensure_dirs
  local pid
  if pid="$(running_pid)"; then
    nsay "already running (pid $pid)"
    return 0
  fi
  format_node
  local p
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    port_in_use "$p" && die "127.0.0.1:$p is already in use by another process (not $(who) of $STATE_DIR); stop it or set AZORA_KAFKA_PORT / AZORA_KAFKA_CONTROLLER_PORT (one broker) or AZORA_KAFKA_CLUSTER_PORT (three)"
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
  [[ -n "$pid" ]] || { show_tail "$LOGS/kafka.out" "$OUT_OFF"; die "$(who) did not start; see $LOGS/kafka.out"; }
  LAUNCHED=1
  nsay "started (pid $pid, logs in $LOGS)"
}

cmd_start() {
  take_lock
  check_java
  cmd_fetch
  local n
  # Every node first, then the waiting: a KRaft quorum elects no leader, so no node is
  # ready, until a majority of its voters runs.
  for n in $(seq 1 "$BROKERS"); do use_node "$n"; launch_node; done
  for n in $(seq 1 "$BROKERS"); do use_node "$n"; LAUNCHED=0; wait_node "$WAIT_TIMEOUT"; done
}

# Stop this node: SIGTERM (a clean shutdown hands its leaderships over), SIGKILL after
# STOP_TIMEOUT; or SIGKILL at once with $1 = KILL.
stop_node() {
  local signal="${1:-TERM}" pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    nsay "not running"
    return 0
  fi
  kill "-$signal" "$pid" 2>/dev/null || true
  local start=$SECONDS t0
  t0="$(now)"
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= STOP_TIMEOUT )); then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      nsay "did not exit within ${STOP_TIMEOUT}s of SIGTERM; sent SIGKILL (see $LOGS/server.log)"
      break
    fi
    sleep 0.2
  done
  rm -f "$PIDFILE"
  if [[ "$signal" == KILL ]]; then nsay "killed (pid $pid)"; else nsay "stopped (pid $pid, $(since "$t0"))"; fi
}

cmd_stop() {
  take_lock
  local n
  # The last nodes left cannot hand anything over once the quorum has lost its majority;
  # they get the SIGTERM together so none waits for a controller that is already gone.
  if (( BROKERS == 1 )); then
    use_node 1; stop_node TERM
  else
    for n in $(seq 1 "$BROKERS"); do use_node "$n"; stop_node TERM & done
    wait
  fi
}

node_arg() {
  local n="${1:-}"
  [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 1 && n <= BROKERS )) || die "expected a node number from 1 to $BROKERS, got '${n}'"
  use_node "$n"
}

cmd_start_node() {
  node_arg "${1:-}"
  take_lock
  check_java
  launch_node
  wait_node "$WAIT_TIMEOUT"
}

cmd_stop_node() { node_arg "${1:-}"; take_lock; stop_node TERM; }
cmd_kill_node() { node_arg "${1:-}"; take_lock; stop_node KILL; }

cmd_status() {
  local n pid all=0
  for n in $(seq 1 "$BROKERS"); do
    use_node "$n"
    if pid="$(running_pid)"; then
      echo "$(who): running (pid $pid, 127.0.0.1:$KAFKA_PORT)"
    else
      echo "$(who): stopped"
      all=1
    fi
  done
  return "$all"
}

cmd_tool() {
  [[ $# -ge 1 ]] || die "usage: $0 tool <main-class> [args...]  (e.g. org.apache.kafka.tools.TopicCommand --bootstrap-server $(bootstrap) --list)"
  have_libs || die "no Kafka libs in $LIBS; run: $0 fetch (or start)"
  run_tool "$@"
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd="$1" n; shift
  use_node 1
  case "$cmd" in
    fetch)      take_lock; cmd_fetch ;;
    format)     take_lock; for n in $(seq 1 "$BROKERS"); do use_node "$n"; format_node; done ;;
    start)      cmd_start ;;
    wait)       cmd_wait "$@" ;;
    stop)       cmd_stop ;;
    status)     cmd_status ;;
    bootstrap)  bootstrap ;;
    start-node) cmd_start_node "$@" ;;
    stop-node)  cmd_stop_node "$@" ;;
    kill-node)  cmd_kill_node "$@" ;;
    tool)       cmd_tool "$@" ;;
    -h|--help|help) usage ;;
    *) echo "kafka: unknown command '$cmd'" >&2; usage ;;
  esac
}

main "$@"

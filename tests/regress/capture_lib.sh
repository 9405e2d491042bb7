# capture_lib.sh: helpers of the capture tests. Source it after ../cli/lib.sh with
# $DAEMON (kiln-remoted) and $ICD (libkiln-remote-icd.so) set.
mkdir -p "$WORK/vendors"
echo "$ICD" > "$WORK/vendors/kiln-remote.icd"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

# start_daemon SOCKET ARGS...: a daemon of our own, waited for
start_daemon() {
  local sock=$1; shift
  "$DAEMON" --socket "$sock" "$@" 2>>"$WORK/daemon.log" &
  pids+=($!)
  for _ in $(seq 600); do [ -S "$sock" ] && return 0; sleep 0.1; done
  echo "FAIL: kiln-remoted did not start"; cat "$WORK/daemon.log"; exit 1
}
# remoted CMD...: CMD with the remoting ICD as its only platform, on socket $SOCK
remoted() {
  OCL_ICD_VENDORS="$WORK/vendors" KILN_REMOTE_SOCKET="$SOCK" "$@"
}


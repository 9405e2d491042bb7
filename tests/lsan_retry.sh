#!/usr/bin/env bash
# Runs a test (the arguments) and runs it once more only when LeakSanitizer
# itself broke down at the test's exit ("LeakSanitizer has encountered a fatal
# error": its tracer thread, stopping the process's threads to scan them,
# crashed; seen under heavy load in tests that keep PoCL's threads alive beside
# the remoting ICD) while every check of the test had passed. A failed check, a
# leak report or any other failure is never retried.
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ] && grep -q 'LeakSanitizer has encountered a fatal error' <<<"$out" &&
   grep -Eq '^[0-9]+ checks, 0 failed$' <<<"$out" && ! grep -q 'ERROR: LeakSanitizer: detected' <<<"$out"; then
  echo "lsan_retry: LeakSanitizer broke down at exit after every check passed; running the test once more"
  exec "$@"
fi
exit "$rc"

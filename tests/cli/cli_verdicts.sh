# Every way a variant can fail is a stored row with its verdict and the reason, and the
# tuning goes on (host backend: crashes and hangs run in a child process).
. "$(dirname "$0")/lib.sh"
PLUGIN=$2

expect 0 "$KILN" --plugin "$PLUGIN" kernels faulty;  contains "mode"
expect 0 "$KILN" --plugin "$PLUGIN" tune faulty --device host --timeout 1000 --verbose
contains "1 ok, 4 failed"
expect 0 "$KILN" export --format json
for v in '"verdict":"ok"' '"verdict":"wrong"' '"verdict":"build_error"' '"verdict":"crashed"' '"verdict":"timeout"'; do
  contains "$v"
done
contains "differs from the reference"     # wrong: the verification summary
contains "1 non-finite"                    # the unwritten element, found by the poison
contains "refused by the description"      # build_error: the description's own words
contains "signal"                          # crashed: which signal
expect 0 "$KILN" --plugin "$PLUGIN" best faulty --device host; contains "mode=0"
finish

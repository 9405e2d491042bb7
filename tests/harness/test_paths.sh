# Tests write only inside the build tree: no test source names a folder of its
# own under /tmp or a cache under the home folder. C tests make scratch folders
# with test_scratch_dir (tests/files.h); shell tests with lib.sh's $WORK. A line
# that must leave the build tree says why with a "paths-ok:" comment.
# usage: test_paths.sh KILN
. "$(dirname "$0")/../cli/lib.sh"
TESTS=$(cd "$(dirname "$0")/.." && pwd)

hits=$(cd "$TESTS" && grep -rnE '(^|[^A-Za-z0-9_}.-])/tmp/|"/tmp"|~/\.cache|\$HOME/\.cache|getenv\("HOME"\)' \
         --include='*.c' --include='*.h' --include='*.sh' --include=CMakeLists.txt . |
       grep -v 'paths-ok:' | grep -v '^\./harness/test_paths\.sh:')
checks=$((checks + 1))
if [ -n "$hits" ]; then
  failures=$((failures + 1))
  echo "FAIL: test sources that write outside the build tree:"; echo "$hits"
fi

finish

# aligned.py IN OUT: vloadN / vstoreN of a generated gemm source turned into
# accesses through a pointer to floatN (asserting 16-byte alignment)
import re, sys
s = open(sys.argv[1]).read()
s = re.sub(r'(__local \w+ \w+_tile\[\d+\]);', r'\1 __attribute__((aligned(16)));', s)
def arg_end(s, i):
    depth = 0
    while True:
        c = s[i]
        if c == '(': depth += 1
        elif c == ')':
            if depth == 0: return i
            depth -= 1
        i += 1
def space(expr):
    name = expr.strip().split()[0]
    return '__local' if name.endswith('_tile') else '__global'
out, i = [], 0
pat = re.compile(r'(vload|vstore)(\d+)\(')
while True:
    m = pat.search(s, i)
    if not m: out.append(s[i:]); break
    out.append(s[i:m.start()])
    end = arg_end(s, m.end())
    args = s[m.end():end]
    t = 'double' if 'double' in s[:200] else 'float'
    if m.group(1) == 'vload':
        ptr = args[len('0, '):]
        sp = space(ptr)
        out.append('(*(%s const %s%s *)(%s))' % (sp, t, m.group(2), ptr) if sp == '__global' else '(*(%s %s%s *)(%s))' % (sp, t, m.group(2), ptr))
    else:
        v, ptr = args.split(', 0, ', 1)
        out.append('(*(%s %s%s *)(%s) = %s)' % (space(ptr), t, m.group(2), ptr, v))
    i = end + 1
open(sys.argv[2], 'w').write(''.join(out))

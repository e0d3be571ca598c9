# Weighted (Lawson) minimax of relative error with some coefficients fixed,
# rounding coefficients to float32 one at a time (lowest order first) and
# refitting the rest. Rational: f(w) ~ P(w)/Q(w); polynomial when n == 0.
import sys, struct
import mpmath as mp
mp.mp.dps = 40

def f32(v):
    return mp.mpf(struct.unpack('f', struct.pack('f', float(v)))[0])

def fit(m, n, ws, fs, fixedp, fixedq, iters):
    K = len(ws)
    freep = [j for j in range(m + 1) if j not in fixedp]
    freeq = [j for j in range(n + 1) if j not in fixedq]
    nu = len(freep) + len(freeq)
    lw = [mp.mpf(1) / K] * K
    Qp = [mp.mpf(1)] * K
    best = None
    for it in range(iters):
        ATA = mp.matrix(nu, nu); ATb = mp.matrix(nu, 1)
        for k in range(K):
            w, fk = ws[k], fs[k]
            s = lw[k] / (fk * Qp[k]) ** 2
            row = [w ** j for j in freep] + [-fk * w ** j for j in freeq]
            rhs = -sum(fixedp[j] * w ** j for j in fixedp) + fk * sum(fixedq[j] * w ** j for j in fixedq)
            for i in range(nu):
                ri = row[i] * s
                ATb[i] += ri * rhs
                for j in range(i, nu):
                    ATA[i, j] += ri * row[j]
        for i in range(nu):
            for j in range(i):
                ATA[i, j] = ATA[j, i]
        sol = mp.lu_solve(ATA, ATb)
        p = dict(fixedp); q = dict(fixedq)
        for i, j in enumerate(freep): p[j] = sol[i]
        for i, j in enumerate(freeq): q[j] = sol[len(freep) + i]
        pl = [p[j] for j in range(m + 1)]; ql = [q[j] for j in range(n + 1)]
        Qp = [mp.polyval(ql[::-1], w) for w in ws]
        es = [(mp.polyval(pl[::-1], w) / Qp[k] - fs[k]) / fs[k] for k, w in enumerate(ws)]
        maxe = max(abs(e) for e in es)
        if best is None or maxe < best[0]:
            best = (maxe, pl, ql)
        if it >= 3:
            tot = 0
            for k in range(K):
                lw[k] *= abs(es[k]); tot += lw[k]
            lw = [v / tot for v in lw]
    return best

kind = sys.argv[1]
iters = int(sys.argv[2])
if kind == "tanh":
    m, n, X = 4, 5, mp.mpf(sys.argv[3])
    K = 800
    xs = [X * (1 - mp.cos(mp.pi * k / K)) / 2 for k in range(1, K + 1)]
    ws = [x * x for x in xs]
    fs = [mp.tanh(x) / x for x in xs]
    fixedp = {0: mp.mpf(1)}; fixedq = {0: mp.mpf(1)}
else:
    m, n, R = 6, 0, mp.mpf(sys.argv[3])
    K = 800
    ws = [R * mp.cos(mp.pi * (k + mp.mpf(0.5)) / K) for k in range(K)]
    fs = [mp.exp(r) for r in ws]
    fixedp = {0: mp.mpf(1), 1: mp.mpf(1)}; fixedq = {0: mp.mpf(1)}
order = []  # interleave p and q, low order first
for j in range(1, max(m, n) + 1):
    if j <= m and j not in fixedp: order.append(('p', j))
    if j <= n and j not in fixedq: order.append(('q', j))
for which, j in order:
    maxe, pl, ql = fit(m, n, ws, fs, fixedp, fixedq, iters)
    print("before rounding", which, j, "maxrel", mp.nstr(maxe, 5), file=sys.stderr)
    if which == 'p': fixedp[j] = f32(pl[j])
    else: fixedq[j] = f32(ql[j])
pl = [fixedp[j] for j in range(m + 1)]; ql = [fixedq[j] for j in range(n + 1)]
# final error with all float32 coefficients, dense check
es = [abs((mp.polyval(pl[::-1], w) / mp.polyval(ql[::-1], w) - fs[k]) / fs[k]) for k, w in enumerate(ws)]
print("final maxrel", mp.nstr(max(es), 5))
print("p", [repr(float(v)) for v in pl])
print("q", [repr(float(v)) for v in ql])

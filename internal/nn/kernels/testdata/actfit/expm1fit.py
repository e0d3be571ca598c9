# expm1(r) ~ r + r^2 P(r), P of degree d-2; minimise max relative error of
# expm1 by Lawson, rounding coefficients to float32 lowest order first.
import sys, struct
import mpmath as mp
mp.mp.dps = 40
def f32(v): return mp.mpf(struct.unpack('f', struct.pack('f', float(v)))[0])
d = int(sys.argv[1]); R = mp.mpf(sys.argv[2])
K = 800
rs = [R * mp.cos(mp.pi * (k + mp.mpf(0.5)) / K) for k in range(K)]
em = [mp.expm1(r) for r in rs]
g = [(em[k] - r) / r**2 for k, r in enumerate(rs)]
om = [r**2 / em[k] for k, r in enumerate(rs)]
deg = d - 2
fixed = {}
def fit(iters=80):
    free = [j for j in range(deg + 1) if j not in fixed]
    lw = [mp.mpf(1) / K] * K
    best = None
    for it in range(iters):
        nu = len(free)
        ATA = mp.matrix(nu, nu); ATb = mp.matrix(nu, 1)
        for k in range(K):
            s = lw[k] * om[k] ** 2
            row = [rs[k] ** j for j in free]
            rhs = g[k] - sum(fixed[j] * rs[k] ** j for j in fixed)
            for i in range(nu):
                ri = row[i] * s
                ATb[i] += ri * rhs
                for j in range(i, nu):
                    ATA[i, j] += ri * row[j]
        for i in range(nu):
            for j in range(i): ATA[i, j] = ATA[j, i]
        sol = mp.lu_solve(ATA, ATb) if nu else []
        c = dict(fixed)
        for i, j in enumerate(free): c[j] = sol[i]
        cl = [c[j] for j in range(deg + 1)]
        es = [(mp.polyval(cl[::-1], r) - g[k]) * om[k] for k, r in enumerate(rs)]
        maxe = max(abs(e) for e in es)
        if best is None or maxe < best[0]: best = (maxe, cl)
        if nu == 0: break
        tot = 0
        for k in range(K):
            lw[k] *= abs(es[k]); tot += lw[k]
        lw = [v / tot for v in lw]
    return best
for j in range(deg + 1):
    maxe, cl = fit()
    print("free from", j, "maxrel", mp.nstr(maxe, 5), file=sys.stderr)
    fixed[j] = f32(cl[j])
maxe, cl = fit(1)
print("final maxrel", mp.nstr(maxe, 5))
print("c (c2..)", [repr(float(v)) for v in cl])

package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Chunks is the number of contiguous pieces a layer splits its batch into.
// The split depends on the batch size only, never on the number of cores, so
// per-chunk partial sums added in chunk order give the same bits for any
// GOMAXPROCS.
const Chunks = 8

// numChunks is how many chunks parallelFor splits [0, n) into: min(n, Chunks).
func numChunks(n int) int { return min(n, Chunks) }

// chunkRange returns chunk c of k over [0, n): [c*n/k, (c+1)*n/k).
func chunkRange(n, k, c int) (lo, hi int) { return c * n / k, (c + 1) * n / k }

// parallelFor splits [0, n) into numChunks(n) contiguous chunks and calls
// fn(c, lo, hi) once for every chunk c, on up to GOMAXPROCS goroutines: the
// caller's and pooled workers. It returns when every call has returned.
//
// fn must be safe to call concurrently for distinct chunks and must not call
// parallelFor itself. Once the worker pool has grown to GOMAXPROCS-1 workers,
// parallelFor does not allocate, provided fn is built once (a method value
// stored in the layer) rather than a closure created per call.
func parallelFor(n int, fn func(c, lo, hi int)) {
	k := numChunks(n)
	g := min(k, runtime.GOMAXPROCS(0))
	if g <= 1 {
		for c := range k {
			lo, hi := chunkRange(n, k, c)
			fn(c, lo, hi)
		}
		return
	}
	j := getJob()
	j.fn, j.n, j.k = fn, n, k
	j.next.Store(0)
	j.wg.Add(g - 1)
	tasks := ensureWorkers(g - 1)
	for range g - 1 {
		tasks <- j
	}
	j.run()
	j.wg.Wait()
	j.fn = nil
	putJob(j)
}

// spinTries bounds how often a worker looks for its next job before it
// blocks: each try yields the processor once (runtime.Gosched), and the
// tries are meant to cover the gap between two layers' passes. A blocked
// worker is woken by the next parallelFor (a futex wake-up on an idle
// core); with a wake-up for every pass, CPU profiles of training steps
// counted 181% of two cores busy (ResNet-20) and 179% (ResNet-56), with
// the spinning 196% (ResNet-56; BENCHMARKS.md, fifth round). The caller does not spin for the
// workers' end: that moved goroutines between processors, and the
// runtime then allocated for their blocking (its sudog caches), up to five
// times a ResNet-56 step.
const spinTries = 2000

// job is one parallelFor call; its participants take chunks in turn until
// none is left. Which goroutine runs a chunk does not change its result.
type job struct {
	fn   func(c, lo, hi int)
	n, k int
	next atomic.Int64
	wg   sync.WaitGroup
}

func (j *job) run() {
	for {
		c := int(j.next.Add(1) - 1)
		if c >= j.k {
			return
		}
		lo, hi := chunkRange(j.n, j.k, c)
		j.fn(c, lo, hi)
	}
}

// pool is the set of worker goroutines; workers live for the whole process,
// blocked on tasks when idle. freeJobs recycles job records.
var pool struct {
	mu       sync.Mutex
	workers  atomic.Int64
	tasks    chan *job
	freeJobs chan *job
}

func init() {
	pool.tasks = make(chan *job, 4*Chunks)
	pool.freeJobs = make(chan *job, 4*Chunks)
}

// ensureWorkers starts workers until at least k are running and returns the
// channel they read jobs from.
func ensureWorkers(k int) chan *job {
	if int(pool.workers.Load()) >= k {
		return pool.tasks
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for int(pool.workers.Load()) < k {
		go worker(pool.tasks)
		pool.workers.Add(1)
	}
	return pool.tasks
}

func worker(tasks chan *job) {
	for {
		j := nextJob(tasks)
		j.run()
		j.wg.Done()
	}
}

// nextJob returns the next job from tasks: it tries spinTries times
// without blocking (yielding in between), then blocks.
func nextJob(tasks chan *job) *job {
	for range spinTries {
		select {
		case j := <-tasks:
			return j
		default:
			runtime.Gosched()
		}
	}
	return <-tasks
}

func getJob() *job {
	select {
	case j := <-pool.freeJobs:
		return j
	default:
		return new(job)
	}
}

func putJob(j *job) {
	select {
	case pool.freeJobs <- j:
	default:
	}
}

package retailermetrics

import (
	"sync"
	"time"
)

// maxLoadsPerRetailer bounds the iframe loads remembered per retailer; a
// report from a new load past it is still counted but not as open.
const maxLoadsPerRetailer = 20000

// presence remembers, in memory only, which iframe loads reported recently:
// an anonymous random id per load, never a user id, forgotten once the load
// has been quiet for the open window.
type presence struct {
	mu    sync.Mutex
	loads map[string]map[string]*load // retailer → load id
}

type load struct {
	last     time.Time
	signedIn bool
	everIn   bool // VisitorsSignedIn was counted for this load
	opened   bool // planner.opened was counted for this load
}

// seen notes a report of load id; it returns whether the load was signed in
// for the first time, and whether it had already counted as opened.
func (p *presence) seen(retailerID, id string, signedIn bool, now time.Time) (firstSignIn, known bool, l *load) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.loads[retailerID]
	if m == nil {
		m = map[string]*load{}
		p.loads[retailerID] = m
	}
	l = m[id]
	if l == nil {
		if len(m) >= maxLoadsPerRetailer {
			return false, false, nil
		}
		l = &load{}
		m[id] = l
	} else {
		known = true
	}
	l.last = now
	l.signedIn = signedIn
	if signedIn && !l.everIn {
		l.everIn, firstSignIn = true, true
	}
	return firstSignIn, known, l
}

// closed forgets load id: the planner said it is going away.
func (p *presence) closed(retailerID, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.loads[retailerID], id)
}

// sample forgets loads quiet for longer than window and returns, per
// retailer, the loads open and signed in.
func (p *presence) sample(now time.Time, window time.Duration) map[string][2]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string][2]int, len(p.loads))
	for rid, m := range p.loads {
		var open, in int
		for id, l := range m {
			if now.Sub(l.last) > window {
				delete(m, id)
				continue
			}
			open++
			if l.signedIn {
				in++
			}
		}
		if len(m) == 0 {
			delete(p.loads, rid)
		}
		out[rid] = [2]int{open, in}
	}
	return out
}

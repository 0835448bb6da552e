package live

import "github.com/roomplanner/planner/web"

// Stats is a snapshot of the live channel for the service's metrics.
type Stats struct {
	// Sockets is the number of open sockets by their retailer's plan
	// (web.PlanFree, web.PlanPremium) when they connected.
	Sockets map[string]int
	// Holding is the number of sockets whose token has expired and that hold
	// their private events until they authenticate again.
	Holding int
	// Held is the number of event messages those sockets hold.
	Held int
}

// Stats returns a snapshot of the open sockets. It takes each socket's lock
// in turn, never two at once, after releasing the handler's.
func (h *Handler) Stats() Stats {
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	s := Stats{Sockets: map[string]int{string(web.PlanFree): 0, string(web.PlanPremium): 0}}
	for _, c := range conns {
		if c.premium {
			s.Sockets[string(web.PlanPremium)]++
		} else {
			s.Sockets[string(web.PlanFree)]++
		}
		c.mu.Lock()
		s.Held += len(c.hold.events)
		if c.auth.expired {
			s.Holding++
		}
		c.mu.Unlock()
	}
	return s
}

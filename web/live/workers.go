package live

import (
	"time"

	"github.com/coder/websocket"
)

// workerIdle is how long a worker waits for its next message before it
// exits: long enough to stay through a burst of connections, short enough
// that an idle server keeps none.
const workerIdle = time.Second

// workers handle client messages for the sockets' read goroutines (see
// conn.handleApart). There are as many as messages are being handled at
// once; each exits after workerIdle without one.
type workers struct {
	jobs chan job // unbuffered: a send succeeds only to an idle worker
}

// job is one client message to handle; its socket's handling is done once
// it is.
type job struct {
	c    *conn
	typ  websocket.MessageType
	data []byte
}

// run hands j to an idle worker, or to a new one.
func (w *workers) run(j job) {
	select {
	case w.jobs <- j:
	default:
		go w.work(j)
	}
}

func (w *workers) work(j job) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		j.c.handle(j.typ, j.data)
		j.c.handling.Done()
		j = job{}
		idle.Reset(workerIdle)
		select {
		case j = <-w.jobs:
		case <-idle.C:
			return
		}
	}
}

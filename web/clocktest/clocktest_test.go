package clocktest_test

import (
	"testing"
	"time"

	"github.com/roomplanner/planner/web/clocktest"
)

func TestTimersFireInDeadlineOrderWhenDue(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Time{})
	var got []string
	c.AfterFunc(2*time.Second, func() { got = append(got, "two") })
	c.AfterFunc(time.Second, func() { got = append(got, "one") })
	stop := c.AfterFunc(time.Second, func() { got = append(got, "stopped") })
	if !stop() {
		t.Fatal("stop() = false for an armed timer, want true")
	}
	c.Advance(500 * time.Millisecond)
	if len(got) != 0 {
		t.Fatalf("fired %v before their deadline", got)
	}
	c.Advance(2 * time.Second)
	if want := []string{"one", "two"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("fired %v, want %v", got, want)
	}
	if n := c.Pending(); n != 0 {
		t.Errorf("Pending() = %d, want 0", n)
	}
	if stop() {
		t.Error("stop() = true after the timer was stopped, want false")
	}
}

func TestZeroDelayWaitsForTheNextMove(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Time{})
	fired := false
	c.AfterFunc(0, func() { fired = true })
	<-c.Armed()
	if fired {
		t.Fatal("a zero-delay timer fired before the clock moved")
	}
	c.Set(c.Now())
	if !fired {
		t.Error("a zero-delay timer did not fire at the next move")
	}
}

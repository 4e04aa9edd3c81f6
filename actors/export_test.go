package actors

// Crash stops the engine the way a killed process stops: no grain
// passivates, nothing buffered is stored, and the timers die with it.
func (e *Engine) Crash() {
	e.once.Do(func() {
		e.cancel()
		e.leave(false)
	})
}

// Members reports how many nodes this node counts in its cluster, itself
// included.
func (e *Engine) Members() int { return int(e.members.Load()) }

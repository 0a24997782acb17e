package inbox

// SetAfterCommit sets a hook run after each checkpoint commit and before the
// moves, to simulate a crash there.
func SetAfterCommit(w *Watcher, f func()) { w.afterCommit = f }

// XOAUTH2Initial returns the initial response of the XOAUTH2 client.
func XOAUTH2Initial(user, token string) (string, []byte) {
	mech, ir, _ := newXOAUTH2Client(user, token).Start()
	return mech, ir
}

// SetAfterPass sets a hook run after each successful pass of Run.
func SetAfterPass(w *Watcher, f func(Stats)) { w.afterPass = f }

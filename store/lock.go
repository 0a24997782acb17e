package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is returned by Lock when another process holds the store.
var ErrLocked = errors.New("store: in use by another process")

// Lock takes the store's exclusive lock, an flock(2) on the file Path+".lock"
// which records the holder's PID. Only one daemon may run on a store: a
// second Lock, from this or another process, fails at once with an error
// wrapping ErrLocked that names the holder. The kernel releases the lock
// when the holder exits, however it exits, so a stale lock file is harmless.
// unlock releases it; the file is left in place.
//
// On PostgreSQL, where several daemons share the store, there is no file:
// Lock fails with ErrLocked while a daemon is alive on the database (it
// sends what is recorded), and otherwise records this process as an
// instance, beating until unlock, so that a daemon starting meanwhile
// spares its claims.
func (db *DB) Lock() (unlock func(), err error) {
	if db.Engine() == Postgres {
		return db.lockPostgres()
	}
	path := db.Path + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another process"
			b := make([]byte, 32)
			if n, _ := f.ReadAt(b, 0); n > 0 {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b[:n]))); perr == nil {
					holder = "process " + strconv.Itoa(pid)
				}
			}
			return nil, fmt.Errorf("%w: %s is locked by %s (lock file %s); is convene already running on this store?", ErrLocked, db.Path, holder, path)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		f.Sync()
	}
	return func() {
		f.Truncate(0)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

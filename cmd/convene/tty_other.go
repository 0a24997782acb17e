//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package main

import "os"

// ttyIoctl: elsewhere a character device is taken for a terminal.
func ttyIoctl(*os.File) bool { return true }

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// ttyIoctl reports whether f answers TCGETS, as only a terminal does.
func ttyIoctl(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

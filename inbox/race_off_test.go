//go:build !race

package inbox

// raceBuild: see race_on_test.go.
const raceBuild = false

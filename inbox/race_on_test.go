//go:build race

package inbox

// raceBuild is set when the tests run under the race detector, which makes
// the long oracle checks (TestFastPathsAgree) ten times slower without
// finding anything more: they take a sample there, and .ci/run runs them
// whole without -race.
const raceBuild = true

package inbox

// SplitHonorifics is splitHonorifics, for the table test.
var SplitHonorifics = splitHonorifics

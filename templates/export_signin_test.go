package templates

// SampleData is sampleData, for the external tests.
var SampleData = sampleData

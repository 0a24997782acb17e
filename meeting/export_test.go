package meeting

// TemplateNames is templateNames, for the test that keeps it equal to
// package templates' Names.
var TemplateNames = templateNames

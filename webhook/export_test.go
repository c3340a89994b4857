package webhook

// IsPublic exposes the address classifier to the external tests.
var IsPublic = isPublic

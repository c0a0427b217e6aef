// Package deploy holds no code: its directory has the compose snippets and
// the Dockerfile of the test image, and its tests build and run them (the
// FROM-scratch image reports healthy, the snippets validate with the
// compose tool).
package deploy

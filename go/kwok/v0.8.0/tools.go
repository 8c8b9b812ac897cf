//go:build tools

// Package tools keeps kwok's command in this module's build list, so
// `go build sigs.k8s.io/kwok/cmd/kwok` builds the pinned release.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)

// Command hostsite is the reference host website: a small furniture shop that
// embeds the planner with the host SDK and gets planner tokens from its own
// backend-for-frontend (package bff). Integrators copy it.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hostsite:", err)
		os.Exit(1)
	}
}

// Command demo runs the whole product on one machine: the planner service on
// http://localhost:8090 and the reference host site on
// http://127.0.0.1:8080, on an embedded SQLite database it seeds on first start.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

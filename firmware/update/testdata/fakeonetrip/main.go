// Command fakeonetrip stands in for bin/onetrip in the update tests: it
// answers "version" like the real one and nothing else.
package main

import (
	"fmt"
	"os"
)

var version = "unknown"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Printf("onetrip %s\n", version)
		return
	}
	fmt.Fprintln(os.Stderr, "fakeonetrip: only \"version\"")
	os.Exit(2)
}

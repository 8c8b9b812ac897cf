// Command etcd is etcd's own server entry point, built from the published module
// (etcd's go.mod files carry local replaces, so `go install` of the server cannot work).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

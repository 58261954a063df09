package main

import (
	"io"
	"log"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/stdr"
)

func sleep(s float64) { time.Sleep(secs(s)) }

// stdrLogger: the SDK's errors only (its info and debug lines would be noise here).
func stdrLogger(w io.Writer) logr.Logger {
	stdr.SetVerbosity(0)
	return stdr.New(log.New(w, "lksdk ", log.LstdFlags)).V(0)
}

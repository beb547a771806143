package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/chassisd/chassisd/agent"
)

func runWalk(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("walk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var hf hardwareFlags
	fs.StringVar(&hf.boardFile, "board", "", "board file (YAML); without it, the built-in simulated chassis")
	fs.StringVar(&hf.scenarioFile, "scenario", "", "simulated chassis contents (YAML) instead of the embedded one")
	verbose := fs.Bool("v", false, "log each sled and problem to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	hw, err := openHardware(hf)
	if err != nil {
		fmt.Fprintln(stderr, "chassisd walk:", err)
		return 1
	}
	defer hw.Close()
	a, err := agent.New(agent.Config{Board: hw.board, Hardware: hw.hw, Logger: logger,
		Simulated: hw.sim != nil, Version: version, Commit: commit})
	if err != nil {
		fmt.Fprintln(stderr, "chassisd walk:", err)
		return 1
	}
	defer a.Close()
	start := time.Now()
	snap := a.Walk(context.Background())
	elapsed := time.Since(start)

	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(snap); err != nil {
		fmt.Fprintln(stderr, "chassisd walk:", err)
		return 1
	}
	logger.Info("walk done", "elapsed", elapsed)
	if hw.sim != nil {
		for name, bus := range hw.sim.Buses() {
			st := bus.Stats()
			logger.Info("simulated bus", "bus", name, "transactions", st.Transactions,
				"bytes", st.Bytes, "bus_time", st.BusTime)
		}
	}
	return 0
}

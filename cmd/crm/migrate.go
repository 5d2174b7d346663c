package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/telecaller-crm/api/db"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stderr, "Usage: crm migrate up|down|status\n\n  up      apply every pending migration\n  down    roll back the last applied group\n  status  list migrations, applied or pending\n\nNeeds DATABASE_URL.")
		return flag.ErrHelp
	}
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: crm migrate up|down|status")
		return errors.New("migrate needs one of up, down, status")
	}
	dsn := getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	bdb, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer bdb.Close()
	m, err := db.NewMigrator(bdb)
	if err != nil {
		return err
	}
	var names []string
	switch args[0] {
	case "up":
		names, err = m.Up(ctx)
	case "down":
		names, err = m.Down(ctx)
	case "status":
		return m.Status(ctx, stdout)
	default:
		return fmt.Errorf("unknown migrate action %q (want up, down or status)", args[0])
	}
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(stdout, "nothing to do")
	}
	for _, n := range names {
		fmt.Fprintf(stdout, "%s %s\n", args[0], n)
	}
	return nil
}

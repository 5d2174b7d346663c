package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/telecaller-crm/api/db"
	"github.com/telecaller-crm/api/seed"
)

func seedCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt seed.Options
	fs.Int64Var(&opt.Seed, "seed", 1, "random seed; the same seed gives the same data")
	fs.IntVar(&opt.Leads, "leads", 300, "number of demo leads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dsn := getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	bdb, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: 4})
	if err != nil {
		return err
	}
	defer bdb.Close()
	sum, err := seed.Run(ctx, bdb, opt)
	if err != nil {
		return err
	}
	if sum.Skipped {
		fmt.Fprintln(stdout, "seed: demo data already present, nothing inserted")
		return nil
	}
	fmt.Fprintf(stdout, "seed: %d users, %d leads, %d interactions\n", sum.Users, sum.Leads, sum.Interactions)
	return nil
}

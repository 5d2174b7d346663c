// Package migrations embeds the versioned SQL migrations of the database.
package migrations

import "embed"

// FS holds <version>_<name>.tx.up.sql / .tx.down.sql files, applied in
// version order, each in a transaction of its own.
//
//go:embed *.sql
var FS embed.FS
